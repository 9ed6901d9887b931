using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Anchor.Http;

/// <summary>
/// The admin page, rendered on the server from the same state the API reads (no build step, no CDN, one stylesheet
/// and one small script): login, the dashboard, the call history and each call's page (<see cref="CallPage"/>).
/// Forms carry the session's CSRF token; everything shown is HTML-encoded.
/// </summary>
internal static class Pages
{
    public static void Map(WebApplication app, SipServer sip, AdminAccount account, Configuration.LiveConfiguration live)
    {
        app.MapGet("/login", () => Html(LoginForm(null)));
        app.MapPost("/login", async (HttpContext http) =>
        {
            IFormCollection form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            (AdminAccount.Session? session, int status) = await AdminServer.LoginAsync(http, sip, account, form["user"], form["password"]).ConfigureAwait(false);
            return session is not null ? Results.Redirect("/", permanent: false)
                : Html(LoginForm(status == StatusCodes.Status429TooManyRequests ? "Too many failed logins from this address; try again later." : "Unknown user or wrong password."),
                    status);
        });
        app.MapPost("/logout", (HttpContext http) =>
        {
            AdminServer.Logout(http, account);
            return Results.Redirect("/login");
        });
        app.MapGet("/", (HttpContext http) => Html(Layout(http, "Dashboard", "/", Dashboard(sip))));
        app.MapGet("/calls", (HttpContext http) => Html(Layout(http, "Call history", "/calls", History(http, sip))));
        app.MapGet("/extensions", (HttpContext http) => Html(Layout(http, "Extensions", "/extensions", ExtensionsPage.Render(http, sip, null, null))));
        app.MapPost("/extensions/{number}/reset", async (HttpContext http, string number) =>
        {
            (string? done, Dictionary<string, string[]>? errors, int status) = await ExtensionsPage.ResetAsync(number, sip, live).ConfigureAwait(false);
            return Html(Layout(http, "Extensions", "/extensions", ExtensionsPage.Render(http, sip, done, errors)), status);
        });
        app.MapPost("/extensions/{number}/delete", async (HttpContext http, string number) =>
        {
            (string? done, Dictionary<string, string[]>? errors, int status) = await ExtensionsPage.DeleteAsync(number, sip, live).ConfigureAwait(false);
            return Html(Layout(http, "Extensions", "/extensions", ExtensionsPage.Render(http, sip, done, errors)), status);
        });
        app.MapPost("/extensions", async (HttpContext http) =>
        {
            IFormCollection form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            (string? made, Dictionary<string, string[]>? errors, int status) = await ExtensionsPage.AddAsync(form, sip, live).ConfigureAwait(false);
            return Html(Layout(http, "Extensions", "/extensions", ExtensionsPage.Render(http, sip, made, errors)), status);
        });
        app.MapGet("/calls/{id}", (HttpContext http, string id) => Html(Layout(http, "Call " + id, "/calls", CallPage.Render(sip, id))));
    }

    public static string H(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Time(DateTimeOffset? t) => t is { } v ? v.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "";

    private static IResult Html(string html, int status = StatusCodes.Status200OK) => Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);

    private static string LoginForm(string? error) => $"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Anchor: log in</title><link rel="stylesheet" href="/static/anchor.css"></head><body><main>
        <section class="login"><h1>Anchor</h1>
        {(error is null ? "" : $"<p class=\"error\" role=\"alert\">{H(error)}</p>")}
        <form method="post" action="/login">
        <label>User <input name="user" autocomplete="username" value="admin" required></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required autofocus></label>
        <button type="submit">Log in</button></form></section></main></body></html>
        """;

    internal static string Layout(HttpContext http, string title, string current, string body)
    {
        string csrf = http.Items[nameof(AdminAccount.Session)] is AdminAccount.Session s ? s.Csrf : "";
        string Nav(string href, string text) => $"<a href=\"{href}\"{(href == current ? " aria-current=\"page\"" : "")}>{text}</a>";
        return $"""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Anchor: {H(title)}</title><link rel="stylesheet" href="/static/anchor.css"></head><body>
            <header><strong>Anchor</strong><nav>{Nav("/", "Dashboard")} · {Nav("/extensions", "Extensions")} · {Nav("/routing", "Routing")} · {Nav("/calls", "Call history")}</nav>
            <form method="post" action="/logout"><input type="hidden" name="csrf" value="{H(csrf)}"><button type="submit">Log out</button></form></header>
            <main><h1>{H(title)}</h1>{body}</main><script src="/static/anchor.js"></script></body></html>
            """;
    }

    private static string Dashboard(SipServer sip)
    {
        var sb = new StringBuilder();
        List<string> warnings = Api.Warnings(sip);

        if (warnings.Count > 0)
        {
            sb.Append("<section aria-label=\"Warnings\"><ul>").AppendJoin("", warnings.Select(w => $"<li class=\"bad\">{H(w)}</li>")).Append("</ul></section>");
        }

        List<Api.CallView> calls = Api.Calls(sip);
        sb.Append($"<section><h2>Calls in progress: <span id=\"active-count\">{calls.Count}</span></h2><table id=\"active-calls\"><thead><tr>")
            .Append("<th>From</th><th>To</th><th>Direction</th><th>State</th><th>Duration</th><th>Media</th><th></th></tr></thead><tbody>");
        foreach (Api.CallView c in calls)
        {
            sb.Append($"<tr><td>{H(c.From)}</td><td>{H(c.To)}</td><td>{c.Direction}</td><td>{H(c.State)}</td><td>{c.Duration:0} s</td><td>{H(c.Media)}</td>")
                .Append($"<td><a href=\"/calls/{Uri.EscapeDataString(c.Id)}\">ladder</a></td></tr>");
        }

        sb.Append("</tbody></table></section>");
        List<Api.RegistrationView> regs = Api.Registrations(sip);
        sb.Append($"<section><h2>Registered phones: {regs.Count}</h2><table id=\"registrations\"><thead><tr><th>Extension</th><th>Source</th><th>Transport</th>")
            .Append("<th>Expires</th><th>Phone</th></tr></thead><tbody>");
        foreach (Api.RegistrationView r in regs)
        {
            sb.Append($"<tr><td>{H(r.Extension)}</td><td>{H(r.Source)}</td><td>{H(r.Transport)}</td><td>{Time(r.Expires)}</td><td>{H(r.UserAgent)}</td></tr>");
        }

        sb.Append("</tbody></table></section><section><h2>Trunks</h2><table><thead><tr><th>Trunk</th><th>Proxy</th><th>State</th><th>Calls</th></tr></thead><tbody>");
        foreach (var t in sip.Snapshot?.Trunks.Values ?? [])
        {
            string css = t.State == Pbx.Trunks.TrunkRegistrationState.Registered ? "ok" : t.State == Pbx.Trunks.TrunkRegistrationState.Failing ? "bad" : "muted";
            sb.Append($"<tr><td>{H(t.Name)}</td><td>{H(t.Options.Proxy.ToString())}</td><td class=\"{css}\">{t.State}{(t.LastError is { } e ? ": " + H(e) : "")}</td><td>{t.ActiveCalls}</td></tr>");
        }

        sb.Append("</tbody></table></section>");
        int today = sip.Records?.Query(new Pbx.Records.CallRecordQuery { Since = DateTimeOffset.Now.Date, PageSize = 1 }).Total ?? 0;
        sb.Append($"<section><h2>Today</h2><p><a href=\"/calls?since={Uri.EscapeDataString(new DateTimeOffset(DateTimeOffset.Now.Date).ToString("O", CultureInfo.InvariantCulture))}\">{today} call(s)</a></p></section>");
        return sb.ToString();
    }

    private static string History(HttpContext http, SipServer sip)
    {
        IQueryCollection q = http.Request.Query;
        Pbx.Records.CallRecordQuery query = Api.ParseQuery(q, out Dictionary<string, string[]> errors);
        var sb = new StringBuilder("<section><form class=\"filters\" method=\"get\" action=\"/calls\">");
        foreach ((string name, string label) in new[] { ("since", "Since (1h, 7d or a time)"), ("until", "Until"), ("extension", "Extension"), ("number", "Number") })
        {
            sb.Append($"<label>{label}<input name=\"{name}\" value=\"{H(q[name])}\" aria-describedby=\"{name}-error\"></label>");
        }

        sb.Append("<label>Direction<select name=\"direction\"><option value=\"\">any</option>");
        foreach (string d in new[] { "internal", "outbound", "inbound" })
        {
            sb.Append($"<option{(string.Equals(q["direction"], d, StringComparison.OrdinalIgnoreCase) ? " selected" : "")}>{d}</option>");
        }

        sb.Append("</select></label><button type=\"submit\">Show</button></form>");
        foreach (var (field, messages) in errors)
        {
            sb.Append($"<p class=\"error\" id=\"{H(field)}-error\" role=\"alert\">{H(field)}: {H(string.Join("; ", messages))}</p>");
        }

        sb.Append("</section>");
        if (errors.Count > 0 || sip.Records is not { } records)
        {
            return sb.ToString();
        }

        (IReadOnlyList<Pbx.Records.CallRecord> list, int total) = records.Query(query);
        sb.Append($"<section><p>{total} call(s)</p><table id=\"history\"><thead><tr><th>Start</th><th>From</th><th>To</th><th>Direction</th><th>Answered by</th>")
            .Append("<th>Talk</th><th>End</th><th></th></tr></thead><tbody>");
        foreach (Pbx.Records.CallRecord r in list)
        {
            sb.Append($"<tr><td>{Time(r.Start)}</td><td>{H(r.From)}</td><td>{H(r.To)}</td><td>{r.Direction}</td><td>{H(r.AnsweredBy)}</td><td>{r.Billable} s</td>")
                .Append($"<td>{r.EndReason} ({r.SipStatus})</td><td><a href=\"/calls/{Uri.EscapeDataString(r.Id)}\">details</a></td></tr>");
        }

        sb.Append("</tbody></table>");
        if (query.Page * query.PageSize < total)
        {
            var next = q.ToDictionary(kv => kv.Key, kv => kv.Value.ToString());
            next["page"] = (query.Page + 1).ToString(CultureInfo.InvariantCulture);
            sb.Append($"<p><a href=\"/calls?{string.Join('&', next.Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value)))}\">older calls</a></p>");
        }

        return sb.Append("</section>").ToString();
    }
}
