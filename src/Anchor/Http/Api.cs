using System.Globalization;
using System.Text;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Calls.Media;
using Anchor.Pbx.Model;
using Anchor.Pbx.Records;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Anchor.Http;

/// <summary>
/// The REST API's endpoints (names kept stable for scripts: docs/api.md). Reads come from the running PBX; nothing
/// returned ever carries a password, PIN or digest secret. Bad input is an RFC 7807 problem naming the field.
/// </summary>
internal static class Api
{
    public sealed record Login(string? User, string? Password);

    public sealed record TokenRequest(bool ReadOnly);

    public sealed record RegistrationView(string Extension, string Contact, string Source, string Transport, DateTimeOffset Expires, string? UserAgent);

    public sealed record CallView(string Id, string From, string To, CallDirection Direction, string State, DateTimeOffset Start, DateTimeOffset? Answer,
        double Duration, string? Trunk, string Media);

    public sealed record ExtensionView(string Number, string? Name, bool Mailbox, bool Registered);

    public sealed record TrunkView(string Name, string Proxy, bool Register, string State, string? LastError, DateTimeOffset? RegisteredUntil, int ActiveCalls);

    public sealed record CdrPage(int Total, int Page, int PageSize, IReadOnlyList<CallRecord> Records);

    public static void Map(WebApplication app, SipServer sip, AdminAccount account, Configuration.LiveConfiguration live)
    {
        RouteGroupBuilder api = app.MapGroup("/api");
        ConfigEndpoints.Map(api, sip, live);
        VoicemailEndpoints.Map(api, sip);
        api.MapPost("/login", (Login body, HttpContext http) => LoginAsync(body, http, sip, account));
        api.MapPost("/logout", (HttpContext http) =>
        {
            AdminServer.Logout(http, account);
            return Results.NoContent();
        });
        api.MapPost("/tokens", (TokenRequest? body) => Results.Created((string?)null, new { token = account.CreateToken(body?.ReadOnly == true), readOnly = body?.ReadOnly == true }));
        api.MapGet("/registrations", () => Registrations(sip));
        api.MapGet("/calls", () => Calls(sip));
        api.MapDelete("/calls/{id}", (string id) => Hangup(sip, id));
        api.MapGet("/calls/stream", (HttpContext http, Microsoft.Extensions.Hosting.IHostApplicationLifetime life) => StreamCallsAsync(http, sip, life.ApplicationStopping));
        api.MapGet("/cdrs", (HttpContext http) => Cdrs(http, sip));
        api.MapGet("/cdrs/{id}", (string id) =>
            FindRecord(sip, id) is { } r
                ? Results.Ok(new { record = r, diagnosis = Diagnosis.Of(r) })
                : NotFound("id", $"no call record {id}"));
        api.MapGet("/ladder/{id}", (string id) => Ladder.For(sip, id));
        api.MapGet("/extensions", () => Extensions(sip));
        api.MapGet("/extensions/{number}", (string number) =>
            Extensions(sip).FirstOrDefault(e => e.Number == number) is { } e ? Results.Ok(e) : NotFound("number", $"no extension {number}"));
        api.MapGet("/trunks", () => (sip.Snapshot?.Trunks.Values ?? []).Select(t => new TrunkView(t.Name, t.Options.Proxy.ToString(), t.Options.Register,
            t.State.ToString(), t.LastError, t.RegisteredUntil, t.ActiveCalls)).ToList());
        api.MapGet("/warnings", () => Warnings(sip));
        api.MapGet("/system", () => new
        {
            version = typeof(Api).Assembly.GetName().Version?.ToString(),
            started = sip.StartedAt,
            uptimeSeconds = Math.Round((DateTimeOffset.UtcNow - sip.StartedAt).TotalSeconds),
            extensions = sip.Snapshot?.Extensions.Count ?? 0,
            registrations = sip.Location?.All().Count ?? 0,
            activeCalls = Calls(sip).Count,
            trunks = sip.Snapshot?.Trunks.Count ?? 0,
            callRecordsWritten = sip.Records?.Written ?? 0,
            bannedSources = sip.Guard?.BannedSources ?? 0,
        });
    }

    private static async Task<IResult> LoginAsync(Login body, HttpContext http, SipServer sip, AdminAccount account)
    {
        (AdminAccount.Session? s, int status) = await AdminServer.LoginAsync(http, sip, account, body.User, body.Password).ConfigureAwait(false);
        return s is not null ? Results.Ok(new { csrfToken = s.Csrf, expires = s.Expires })
            : Results.Problem(detail: status == StatusCodes.Status429TooManyRequests ? "Too many failed logins from this address; try again later" : "Unknown user or wrong password",
                statusCode: status);
    }

    /// <summary>One call's record by its id; null when there is none.</summary>
    public static CallRecord? FindRecord(SipServer sip, string id)
    {
        IReadOnlyList<CallRecord> found = sip.Records?.Query(new CallRecordQuery { Id = id, PageSize = 1 }).Records ?? [];
        return found.Count > 0 ? found[0] : null;
    }

    /// <summary>What the dashboard warns of: trunks failing to register, phones flapping, banned sources.</summary>
    internal static List<string> Warnings(SipServer sip)
    {
        var warnings = new List<string>();
        foreach (var t in sip.Snapshot?.Trunks.Values ?? [])
        {
            if (t.State == Pbx.Trunks.TrunkRegistrationState.Failing)
            {
                warnings.Add($"Trunk {t.Name} fails to register: {t.LastError}");
            }
        }

        foreach ((string extension, int changes) in sip.Flapping?.Now() ?? [])
        {
            warnings.Add($"Phone {extension} is flapping: its registration changed {changes} times in {Pbx.Location.Flapping.Window.TotalMinutes:0} minutes " +
                "(dropped, or registered again from another address: a NAT or network that does not hold)");
        }

        if (sip.Guard?.BannedSources is > 0 and int banned)
        {
            warnings.Add($"{banned} address(es) banned for failed authentication or floods");
        }

        return warnings;
    }

    internal static List<RegistrationView> Registrations(SipServer sip) =>
        (sip.Location?.All() ?? []).OrderBy(b => b.Aor, StringComparer.Ordinal).Select(b => new RegistrationView(b.Aor, b.ContactUri,
            b.Source.EndPoint.ToString(), b.Source.Transport.ToString().ToLowerInvariant(), b.ExpiresAt, b.UserAgent)).ToList();

    internal static List<CallView> Calls(SipServer sip)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var list = new List<CallView>();
        foreach (Call c in sip.Calls?.Calls ?? [])
        {
            bool anchored = c.Legs.Any(l => l.Media is AnchoredMedia);
            list.Add(new CallView(c.Caller.CallId ?? c.Id, c.Info.Caller, c.Info.Dialed, c.Info.Direction, c.State.ToString(), c.Started, c.Answered,
                Math.Round((now - c.Started).TotalSeconds, 1), c.Info.Trunk?.Name, anchored ? "anchored" : "direct"));
        }

        foreach (ProxiedCall p in sip.Records?.Proxied.Active ?? [])
        {
            list.Add(new CallView(p.CallId, p.Info.Caller, p.Info.Dialed, p.Info.Direction, p.Answer is null ? "Ringing" : "Answered", p.Start, p.Answer,
                Math.Round((now - p.Start).TotalSeconds, 1), null, "direct (proxied)"));
        }

        return list.OrderBy(c => c.Start).ToList();
    }

    /// <summary>Server-sent events: the calls in progress, sent again whenever they change (checked every second).</summary>
    private static async Task StreamCallsAsync(HttpContext http, SipServer sip, CancellationToken stopping)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        using var done = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var json = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        string? last = null;
        try
        {
            while (!done.IsCancellationRequested)
            {
                // Durations change every second: what is compared is the calls and their states, what is sent carries the durations.
                List<CallView> calls = Calls(sip);
                string shape = string.Join('|', calls.Select(c => c.Id + c.State));
                if (shape != last)
                {
                    last = shape;
                    await http.Response.WriteAsync($"data: {System.Text.Json.JsonSerializer.Serialize(calls, json)}\n\n", done.Token).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(done.Token).ConfigureAwait(false);
                }

                await Task.Delay(1000, done.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // the page went away, or Anchor is stopping
        }
    }

    private static IResult Hangup(SipServer sip, string id)
    {
        if (sip.Calls?.Find(id) is { } call)
        {
            call.Gate.Post(() => call.End(EndReason.Admin, "hung up by the admin", 480, "Temporarily Unavailable"));
            return Results.Accepted();
        }

        if ((sip.Records?.Proxied.Active ?? []).Any(p => p.CallId == id))
        {
            return Results.Problem(detail: $"call {id} is proxied phone to phone: Anchor is not a party to it and cannot end it", statusCode: StatusCodes.Status409Conflict);
        }

        return NotFound("id", $"no call {id} in progress");
    }

    internal static List<ExtensionView> Extensions(SipServer sip)
    {
        PbxSnapshot? snap = sip.Snapshot;
        var registered = (sip.Location?.All() ?? []).Select(b => b.Aor).ToHashSet(StringComparer.Ordinal);
        return (snap?.Extensions.Values ?? []).OrderBy(e => e.Number, StringComparer.Ordinal)
            .Select(e => new ExtensionView(e.Number, e.Name, snap!.Mailboxes.Contains(e.Number), registered.Contains(e.Number))).ToList();
    }

    private static IResult Cdrs(HttpContext http, SipServer sip)
    {
        CallRecordQuery query = ParseQuery(http.Request.Query, out Dictionary<string, string[]> errors);
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        if (sip.Records is not { } records)
        {
            return Results.Problem(detail: "Anchor is starting", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        (IReadOnlyList<CallRecord> list, int total) = records.Query(query);
        if (http.Request.Headers.Accept.Any(a => a?.Contains("text/csv", StringComparison.OrdinalIgnoreCase) == true))
        {
            return Results.Text(Csv(list), "text/csv; charset=utf-8");
        }

        return Results.Ok(new CdrPage(total, query.Page, query.PageSize, list));
    }

    /// <summary>The call-record filters of a query string (the API's and the history page's); <paramref name="errors"/> names each bad one.</summary>
    internal static CallRecordQuery ParseQuery(IQueryCollection q, out Dictionary<string, string[]> errors)
    {
        errors = [];
        DateTimeOffset? since = Time(q, "since", errors);
        DateTimeOffset? until = Time(q, "until", errors);
        CallDirection? direction = null;
        if (q["direction"].ToString() is { Length: > 0 } d)
        {
            if (Enum.TryParse(d, ignoreCase: true, out CallDirection parsed) && Enum.IsDefined(parsed))
            {
                direction = parsed;
            }
            else
            {
                errors["direction"] = [$"\"{d}\" is not internal, outbound or inbound"];
            }
        }

        return new CallRecordQuery
        {
            Since = since,
            Until = until,
            Extension = q["extension"].ToString() is { Length: > 0 } ext ? ext : null,
            Number = q["number"].ToString() is { Length: > 0 } num ? num : null,
            Direction = direction,
            Page = Number(q, "page", 1, 1, int.MaxValue, errors),
            PageSize = Number(q, "pageSize", 100, 1, CallRecordQuery.MaxPageSize, errors),
        };
    }

    /// <summary>"1h", "30m", "7d" (that long ago) or an ISO 8601 time.</summary>
    private static DateTimeOffset? Time(IQueryCollection q, string name, Dictionary<string, string[]> errors)
    {
        string text = q[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        if (text.Length > 1 && "smhd".Contains(text[^1], StringComparison.Ordinal) && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            TimeSpan ago = text[^1] switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), _ => TimeSpan.FromDays(n) };
            return DateTimeOffset.UtcNow - ago;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t))
        {
            return t;
        }

        errors[name] = [$"\"{text}\" is neither an ISO 8601 time nor a span such as 1h, 30m, 7d"];
        return null;
    }

    private static int Number(IQueryCollection q, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        string text = q[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max)
        {
            return n;
        }

        errors[name] = [$"\"{text}\" is not a whole number from {min} to {max}"];
        return fallback;
    }

    private static string Csv(IReadOnlyList<CallRecord> records)
    {
        var sb = new StringBuilder("id,start,answer,end,duration,billable,from,to,dialed,direction,trunk,answeredBy,endReason,sipStatus,hungUpBy\r\n");
        foreach (CallRecord r in records)
        {
            string[] fields =
            [
                r.Id, r.Start.ToString("O", CultureInfo.InvariantCulture), r.Answer?.ToString("O", CultureInfo.InvariantCulture) ?? "",
                r.End.ToString("O", CultureInfo.InvariantCulture), r.Duration.ToString(CultureInfo.InvariantCulture),
                r.Billable.ToString(CultureInfo.InvariantCulture), r.From, r.To, r.Dialed, r.Direction.ToString(), r.Trunk ?? "", r.AnsweredBy ?? "",
                r.EndReason.ToString(), r.SipStatus.ToString(CultureInfo.InvariantCulture), r.HungUpBy,
            ];
            sb.AppendJoin(',', fields.Select(Field)).Append("\r\n");
        }

        return sb.ToString();
    }

    /// <summary>RFC 4180 quoting.</summary>
    private static string Field(string f) =>
        f.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + f.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : f;

    /// <summary>404 as problem details naming the <paramref name="field"/> that names nothing.</summary>
    internal static IResult NotFound(string field, string detail) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, extensions: new Dictionary<string, object?> { ["field"] = field });
}
