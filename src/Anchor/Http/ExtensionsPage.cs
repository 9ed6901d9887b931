using System.Text;
using Anchor.Configuration;
using Microsoft.AspNetCore.Http;

namespace Anchor.Http;

/// <summary>The extensions page: the list, and a form to add one (the validator's errors beside each field; the generated password shown once).</summary>
internal static class ExtensionsPage
{
    /// <summary>Adds the extension the form names: its number and password made (the page shows them once), or the errors by field.</summary>
    public static async Task<(string? Made, Dictionary<string, string[]>? Errors, int Status)> AddAsync(IFormCollection form, SipServer sip, LiveConfiguration live)
    {
        string number = form["number"].ToString().Trim();
        string? name = form["name"].ToString() is { Length: > 0 } n ? n.Trim() : null;
        if (number.Length == 0)
        {
            return (null, new() { ["number"] = ["missing"] }, StatusCodes.Status400BadRequest);
        }

        if (sip.Snapshot?.Extensions.ContainsKey(number) == true)
        {
            return (null, new() { ["number"] = [$"extension {number} exists already"] }, StatusCodes.Status409Conflict);
        }

        string password = LiveConfiguration.NewPassword();
        string pin = LiveConfiguration.NewPin();
        try
        {
            await live.ExtensionAsync(number, _ => new ExtensionSettings { Number = number, Name = name, Password = password, Voicemail = new MailboxSettings { Pin = pin } });
        }
        catch (LiveConfiguration.RefusedException refused)
        {
            return (null, refused.Errors, StatusCodes.Status400BadRequest);
        }

        return ($"Extension {number} made. Its password is {password} and its voicemail PIN {pin}: shown this once, write them down now.", null, StatusCodes.Status201Created);
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
        sb.Append($"<section><h2>{all.Count} extensions</h2><table id=\"extensions\"><thead><tr><th>Number</th><th>Name</th><th>Mailbox</th><th>Registered</th></tr></thead><tbody>");
        foreach (Api.ExtensionView e in all)
        {
            sb.Append($"<tr><td>{Pages.H(e.Number)}</td><td>{Pages.H(e.Name)}</td><td>{(e.Mailbox ? "yes" : "no")}</td>")
                .Append($"<td class=\"{(e.Registered ? "ok" : "muted")}\">{(e.Registered ? "yes" : "no")}</td></tr>");
        }

        return sb.Append("</tbody></table></section>").ToString();
    }
}
