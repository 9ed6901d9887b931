using System.Globalization;
using System.Text;
using System.Text.Json;
using Anchor.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Anchor.Http;

/// <summary>
/// The page for where calls go: each trunk's routing (where its DIDs ring, its caller ID, its call limit), the dial plan
/// as rows, and the hunt groups and auto attendants as their JSON (the SPA9000's syntax inside it). Every form goes
/// through <see cref="LiveConfiguration"/> as the API does: the start-up validator's errors come back beside the field
/// (a dial-plan rule's by its row), nothing changes on a refusal, and an accepted change applies at once.
/// </summary>
internal static class RoutingPage
{
    private static readonly JsonSerializerOptions Pretty = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>What one post produced: a message, or the errors by field, for the form it came from.</summary>
    private sealed record Result(string Form, string? Done, Dictionary<string, string[]>? Errors, IFormCollection? Posted);

    public static void Map(WebApplication app, SipServer sip, LiveConfiguration live)
    {
        app.MapGet("/routing", (HttpContext http) => Page(http, sip, live, null));
        app.MapPost("/routing/trunks/{name}", async (HttpContext http, string name) =>
        {
            IFormCollection form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            var errors = new Dictionary<string, string[]>();
            int maxCalls = 0;
            if (form["maxCalls"].ToString() is { Length: > 0 } mc && !int.TryParse(mc, NumberStyles.None, CultureInfo.InvariantCulture, out maxCalls))
            {
                errors["maxCalls"] = ["must be a whole number (0: no limit)"];
                return Page(http, sip, live, new Result("trunk:" + name, null, errors, form), StatusCodes.Status400BadRequest);
            }

            return await ChangeAsync(http, sip, live, "trunk:" + name, form, async () =>
                await live.TrunkAsync(name, t =>
                {
                    t.Inbound = Text(form["inbound"]);
                    t.Dids = [.. form["dids"].ToString().Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                    t.CallerId = Text(form["callerId"]);
                    t.MaxCalls = maxCalls;
                }).ConfigureAwait(false) is null ? throw new KeyNotFoundException($"no trunk {name}") : $"Trunk {name}'s routing saved.").ConfigureAwait(false);
        });
        app.MapPost("/routing/dialplan", async (HttpContext http) =>
        {
            IFormCollection form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            List<DialPlanRuleSettings> rules = PostedRules(form);
            return await ChangeAsync(http, sip, live, "dialplan", form, async () =>
            {
                await live.ReplaceAsync(LiveConfiguration.DialPlanSection, rules).ConfigureAwait(false);
                return $"Dial plan saved: {rules.Count} rule(s).";
            }).ConfigureAwait(false);
        });
        MapJsonList<HuntGroupSettings>(app, sip, live, "huntgroups", "hunt groups");
        MapJsonList<AutoAttendantSettings>(app, sip, live, "autoattendants", "auto attendants");
    }

    /// <summary>
    /// The dial plan's rows as posted, in order, for the save and for showing a refused form again (the validator's
    /// <c>[i]</c> is this list's index): a row with no pattern is a rule removed, or the blank row left blank.
    /// </summary>
    private static List<DialPlanRuleSettings> PostedRules(IFormCollection form)
    {
        var rules = new List<DialPlanRuleSettings>();
        string[] patterns = [.. form["pattern"].Select(p => p ?? "")], trunks = [.. form["trunk"].Select(p => p ?? "")], classes = [.. form["class"].Select(p => p ?? "")];
        for (int i = 0; i < patterns.Length; i++)
        {
            if (patterns[i].Trim().Length > 0)
            {
                rules.Add(new DialPlanRuleSettings
                {
                    Pattern = patterns[i].Trim(),
                    Trunk = i < trunks.Length ? trunks[i].Trim() : null,
                    Class = i < classes.Length && classes[i].Length > 0 ? classes[i] : "National",
                });
            }
        }

        return rules;
    }

    private static void MapJsonList<T>(WebApplication app, SipServer sip, LiveConfiguration live, string section, string what) =>
        app.MapPost($"/routing/{section}", async (HttpContext http) =>
        {
            IFormCollection form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            List<T>? items;
            try
            {
                items = JsonSerializer.Deserialize<List<T>>(form["json"].ToString(), Pretty);
            }
            catch (JsonException e)
            {
                return Page(http, sip, live, new Result(section, null, new() { ["json"] = [$"not JSON a list of {what} can be read from: {e.Message}"] }, form),
                    StatusCodes.Status400BadRequest);
            }

            return await ChangeAsync(http, sip, live, section, form, async () =>
            {
                await live.ReplaceAsync(section, items ?? []).ConfigureAwait(false);
                return $"The {what} are saved: {(items ?? []).Count}.";
            }).ConfigureAwait(false);
        });

    private static async Task<IResult> ChangeAsync(HttpContext http, SipServer sip, LiveConfiguration live, string formName, IFormCollection form, Func<Task<string>> change)
    {
        try
        {
            string done = await change().ConfigureAwait(false);
            return Page(http, sip, live, new Result(formName, done, null, null));
        }
        catch (LiveConfiguration.RefusedException refused)
        {
            return Page(http, sip, live, new Result(formName, null, refused.Errors, form), StatusCodes.Status400BadRequest);
        }
        catch (KeyNotFoundException missing)
        {
            return Page(http, sip, live, new Result(formName, null, new() { ["name"] = [missing.Message] }, form), StatusCodes.Status404NotFound);
        }
    }

    private static string? Text(Microsoft.Extensions.Primitives.StringValues v) => v.ToString().Trim() is { Length: > 0 } t ? t : null;

    private static IResult Page(HttpContext http, SipServer sip, LiveConfiguration live, Result? r, int status = StatusCodes.Status200OK) =>
        Results.Content(Pages.Layout(http, "Routing", "/routing", Render(http, sip, live, r)), "text/html; charset=utf-8", Encoding.UTF8, status);

    private static string Render(HttpContext http, SipServer sip, LiveConfiguration live, Result? r)
    {
        string csrf = http.Items[nameof(AdminAccount.Session)] is AdminAccount.Session s ? s.Csrf : "";
        string hidden = $"<input type=\"hidden\" name=\"csrf\" value=\"{Pages.H(csrf)}\">";
        var sb = new StringBuilder();
        if (r?.Done is { } done)
        {
            sb.Append($"<section><p class=\"ok\" role=\"status\" id=\"saved\">{Pages.H(done)}</p></section>");
        }

        // Trunks: their routing, one form each.
        sb.Append("<section><h2>Trunks</h2>");
        foreach (TrunkSettings t in live.Settings.Trunks)
        {
            string name = t.Name ?? "";
            Result? mine = r?.Form == "trunk:" + name ? r : null;
            string Value(string field, string? current) => Pages.H(mine?.Posted is { } p ? p[field].ToString() : current);
            Pbx.Trunks.Trunk? running = sip.Snapshot?.Trunks.GetValueOrDefault(name);
            sb.Append($"<form class=\"filters\" method=\"post\" action=\"/routing/trunks/{Uri.EscapeDataString(name)}\" id=\"trunk-{Pages.H(name)}\">{hidden}")
                .Append($"<strong>{Pages.H(name)}</strong> <span class=\"muted\">{Pages.H(t.Proxy)} · {Pages.H(running?.State.ToString())}</span>")
                .Append(Field("inbound", "DIDs ring", Value("inbound", t.Inbound), mine?.Errors))
                .Append(Field("dids", "DIDs", Value("dids", string.Join(", ", t.Dids)), mine?.Errors))
                .Append(Field("callerId", "Caller ID", Value("callerId", t.CallerId), mine?.Errors))
                .Append(Field("maxCalls", "Call limit", Value("maxCalls", t.MaxCalls.ToString(CultureInfo.InvariantCulture)), mine?.Errors))
                .Append("<button type=\"submit\">Save</button>").Append(Others(mine?.Errors, f => f is "inbound" or "dids" or "callerId" or "maxCalls")).Append("</form>");
        }

        if (live.Settings.Trunks.Count == 0)
        {
            sb.Append("<p class=\"muted\">No trunk: add one to the configuration file (it registers as soon as the file is saved).</p>");
        }

        sb.Append("<p class=\"muted\">\"DIDs ring\" is a target: an extension, a hunt group, an auto attendant, <code>vm101</code>, or a Contact List (<code>101|102</code>). A trunk's proxy and account are the file's.</p></section>");

        // The dial plan: one row per rule, and a blank row to add one.
        Result? plan = r?.Form == "dialplan" ? r : null;
        List<DialPlanRuleSettings> rules = plan?.Posted is { } posted ? PostedRules(posted) : live.List<DialPlanRuleSettings>(LiveConfiguration.DialPlanSection);
        sb.Append($"<section><h2>Dial plan</h2><form method=\"post\" action=\"/routing/dialplan\" id=\"dialplan\">{hidden}<table><thead><tr><th>Pattern (SPA9000 syntax)</th><th>Trunk</th><th>Class</th></tr></thead><tbody>");
        for (int i = 0; i <= rules.Count; i++)
        {
            DialPlanRuleSettings rule = i < rules.Count ? rules[i] : new DialPlanRuleSettings { Class = "National" };
            sb.Append("<tr>")
                .Append($"<td>{Cell("pattern", i, rule.Pattern, plan?.Errors)}</td><td>{Cell("trunk", i, rule.Trunk, plan?.Errors)}</td><td>{Cell("class", i, rule.Class, plan?.Errors)}</td></tr>");
        }

        sb.Append("</tbody></table><button type=\"submit\">Save the dial plan</button>").Append(Others(plan?.Errors, f => f.StartsWith('[') && f.Contains("].", StringComparison.Ordinal))).Append("</form>")
            .Append("<p class=\"muted\">Rules are tried in order; clear a rule's pattern to remove it, fill the last row to add one. Classes: Emergency, Local, National, International, Premium.</p></section>");

        foreach ((string section, string title, string json) in new[]
        {
            ("huntgroups", "Hunt groups", JsonSerializer.Serialize(live.List<HuntGroupSettings>("huntgroups"), Pretty)),
            ("autoattendants", "Auto attendants", JsonSerializer.Serialize(live.List<AutoAttendantSettings>("autoattendants"), Pretty)),
        })
        {
            Result? mine = r?.Form == section ? r : null;
            string text = mine?.Posted is { } p ? p["json"].ToString() : json;
            sb.Append($"<section><h2>{title}</h2><form method=\"post\" action=\"/routing/{section}\" id=\"{section}\">{hidden}")
                .Append($"<textarea name=\"json\" rows=\"12\" cols=\"90\" spellcheck=\"false\" aria-describedby=\"{section}-errors\">{Pages.H(text)}</textarea>")
                .Append($"<div id=\"{section}-errors\">{Others(mine?.Errors, _ => false)}</div><button type=\"submit\">Save the {title.ToLowerInvariant()}</button></form></section>");
        }

        return sb.ToString();
    }

    private static string Field(string field, string label, string value, Dictionary<string, string[]>? errors) =>
        $"<label>{label}<input name=\"{field}\" value=\"{value}\" aria-describedby=\"{field}-error\">{Error(field, errors?.GetValueOrDefault(field))}</label>";

    /// <summary>A dial-plan cell, with the errors the validator named for it (<c>[2].trunk</c>) beside it.</summary>
    private static string Cell(string field, int row, string? value, Dictionary<string, string[]>? errors)
    {
        string key = $"[{row}].{field}";
        return $"<input name=\"{field}\" value=\"{Pages.H(value)}\" aria-label=\"{field} of rule {row + 1}\" aria-describedby=\"{Pages.H(key)}-error\">{Error(key, errors?.GetValueOrDefault(key))}";
    }

    private static string Error(string key, string[]? messages) =>
        messages is null ? "" : $"<span class=\"error\" id=\"{Pages.H(key)}-error\" role=\"alert\">{Pages.H(string.Join("; ", messages))}</span>";

    /// <summary>The errors not shown beside a field (<paramref name="beside"/>: the fields that show their own).</summary>
    private static string Others(Dictionary<string, string[]>? errors, Func<string, bool> beside)
    {
        var sb = new StringBuilder();
        foreach (var (field, list) in errors ?? [])
        {
            if (!beside(field))
            {
                sb.Append($"<p class=\"error\" role=\"alert\">{Pages.H(field)}: {Pages.H(string.Join("; ", list))}</p>");
            }
        }

        return sb.ToString();
    }
}
