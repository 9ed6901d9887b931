using System.Text;
using Anchor.Configuration;
using Microsoft.AspNetCore.Http;

namespace Anchor.Http;

/// <summary>The extensions page: the list, and a form to add one (the validator's errors beside each field; the generated password shown once).</summary>
internal static class ExtensionsPage
{
    /// <summary>Adds the extension the form names: its password and PIN shown once, or the errors by field.</summary>
    public static async Task<(string? Made, Dictionary<string, string[]>? Errors, int Status)> AddAsync(IFormCollection form, SipServer sip, LiveConfiguration live)
    {
        string number = form["number"].ToString().Trim();
        string? name = form["name"].ToString() is { Length: > 0 } n ? n.Trim() : null;
        ExtensionChanges.Result r = await ExtensionChanges.CreateAsync(sip, live, number, name, password: null).ConfigureAwait(false);
        return (r.Errors is null ? $"Extension {number} made. Its password is {r.Password} and its voicemail PIN {r.Pin}: shown this once, write them down now." : null,
            r.Errors, r.Status);
    }

    /// <summary>A new password for <paramref name="number"/>, shown once.</summary>
    public static async Task<(string? Done, Dictionary<string, string[]>? Errors, int Status)> ResetAsync(string number, SipServer sip, LiveConfiguration live)
    {
        ExtensionChanges.Result r = await ExtensionChanges.ChangeAsync(sip, live, number, name: null, password: null, reset: true).ConfigureAwait(false);
        return (r.Errors is null ? $"Extension {number} has a new password: {r.Password} (shown this once). Its phones must be set to it to register again." : null,
            r.Errors, r.Status);
    }

    /// <summary>Deletes <paramref name="number"/>; its phones' registrations go with it.</summary>
    public static async Task<(string? Done, Dictionary<string, string[]>? Errors, int Status)> DeleteAsync(string number, SipServer sip, LiveConfiguration live)
    {
        ExtensionChanges.Result r = await ExtensionChanges.DeleteAsync(sip, live, number).ConfigureAwait(false);
        return (r.Errors is null ? $"Extension {number} deleted." : null, r.Errors, r.Errors is null ? StatusCodes.Status200OK : r.Status);
    }

    public static string Render(HttpContext http, SipServer sip, string? made, Dictionary<string, string[]>? errors)
    {
        string csrf = http.Items[nameof(AdminAccount.Session)] is AdminAccount.Session s ? s.Csrf : "";
        IFormCollection? form = http.Request.HasFormContentType ? http.Request.Form : null;
        var sb = new StringBuilder();
        if (made is not null)
        {
            sb.Append($"<section><p class=\"ok\" role=\"status\" id=\"made\">{Pages.H(made)}</p></section>");
        }

        sb.Append("<section><h2>Add an extension</h2><form class=\"filters\" method=\"post\" action=\"/extensions\">")
            .Append($"<input type=\"hidden\" name=\"csrf\" value=\"{Pages.H(csrf)}\">");
        foreach ((string field, string label) in new[] { ("number", "Number"), ("name", "Name") })
        {
            string? value = errors is null ? null : form?[field].ToString();
            string error = errors?.GetValueOrDefault(field) is { } list ? $"<span class=\"error\" id=\"{field}-error\" role=\"alert\">{Pages.H(string.Join("; ", list))}</span>" : "";
            sb.Append($"<label>{label}<input name=\"{field}\" value=\"{Pages.H(value)}\" aria-describedby=\"{field}-error\"{(field == "number" ? " required inputmode=\"numeric\"" : "")}>{error}</label>");
        }

        sb.Append("<button type=\"submit\">Add</button></form>");
        foreach (var (field, list) in errors ?? [])
        {
            if (field is not ("number" or "name"))
            {
                sb.Append($"<p class=\"error\" role=\"alert\">{Pages.H(field)}: {Pages.H(string.Join("; ", list))}</p>");
            }
        }

        sb.Append("<p class=\"muted\">A password and a voicemail PIN are made for it. Changes made here are kept in Anchor's database, over the configuration file.</p></section>");
        List<Api.ExtensionView> all = Api.Extensions(sip);
        sb.Append($"<section><h2>{all.Count} extensions</h2><table id=\"extensions\"><thead><tr><th>Number</th><th>Name</th><th>Mailbox</th><th>Registered</th><th></th></tr></thead><tbody>");
        foreach (Api.ExtensionView e in all)
        {
            string n = Uri.EscapeDataString(e.Number);
            sb.Append($"<tr><td>{Pages.H(e.Number)}</td><td>{Pages.H(e.Name)}</td><td>{(e.Mailbox ? "yes" : "no")}</td>")
                .Append($"<td class=\"{(e.Registered ? "ok" : "muted")}\">{(e.Registered ? "yes" : "no")}</td><td>")
                .Append($"<form method=\"post\" action=\"/extensions/{n}/reset\" style=\"display:inline\"><input type=\"hidden\" name=\"csrf\" value=\"{Pages.H(csrf)}\">")
                .Append($"<button type=\"submit\" aria-label=\"New password for {Pages.H(e.Number)}\">New password</button></form> ")
                .Append($"<form method=\"post\" action=\"/extensions/{n}/delete\" style=\"display:inline\" onsubmit=\"return confirm('Delete extension {Pages.H(e.Number)}?')\">")
                .Append($"<input type=\"hidden\" name=\"csrf\" value=\"{Pages.H(csrf)}\"><button type=\"submit\" aria-label=\"Delete {Pages.H(e.Number)}\">Delete</button></form></td></tr>");
        }

        return sb.Append("</tbody></table></section>").ToString();
    }
}
