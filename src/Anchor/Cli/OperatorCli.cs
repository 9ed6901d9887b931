using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Anchor.Configuration;
using Microsoft.Extensions.Configuration;

namespace Anchor.Cli;

/// <summary>
/// The operator's CLI over the REST API: <c>anchor status | registrations | calls | hangup ID | cdr | reload | token create</c>,
/// tables on a terminal, JSON with <c>--json</c>. It finds the API from <c>--url</c>, <c>ANCHOR_URL</c> or the
/// configuration's <c>Http:Listen</c>; it authenticates with <c>--token</c>, <c>ANCHOR_TOKEN</c>, or, run where the
/// PBX's data folder is readable, its own token kept there (made once, like <c>token create</c>'s).
/// </summary>
internal static class OperatorCli
{
    public static readonly IReadOnlySet<string> Commands = new HashSet<string>(StringComparer.Ordinal) { "status", "registrations", "calls", "hangup", "cdr", "reload", "token" };

    public static int Run(string[] args)
    {
        var url = new Option<string?>("--url") { Description = "The admin API (default: ANCHOR_URL, else the configuration's Http:Listen)" };
        var token = new Option<string?>("--token") { Description = "A bearer token (default: ANCHOR_TOKEN, else the CLI's own, kept in the data folder)" };
        var config = new Option<string?>("--config") { Description = "The PBX's configuration file (for Http:Listen and the data folder)" };
        var json = new Option<bool>("--json") { Description = "JSON instead of a table" };
        var root = new RootCommand("Anchor's operator commands (run without a command, Anchor is the PBX)");
        foreach (Option o in new Option[] { url, token, config, json })
        {
            o.Recursive = true;
            root.Options.Add(o);
        }

        Command Get(string name, string description, string path, params string[] columns)
        {
            var c = new Command(name, description);
            c.SetAction(r => Show(r, Call(r, HttpMethod.Get, path), columns));
            root.Subcommands.Add(c);
            return c;
        }

        Get("status", "Version, uptime and counts", "/api/system");
        Get("registrations", "Registered phones", "/api/registrations", "extension", "source", "transport", "expires", "userAgent");
        Get("calls", "Calls in progress", "/api/calls", "id", "from", "to", "direction", "state", "duration", "media");

        var id = new Argument<string>("id") { Description = "The call's id (anchor calls lists them)" };
        var hangup = new Command("hangup", "Hang up a call in progress") { id };
        hangup.SetAction(r => Show(r, Call(r, HttpMethod.Delete, "/api/calls/" + Uri.EscapeDataString(r.GetValue(id)!)), []));
        root.Subcommands.Add(hangup);

        var reload = new Command("reload", "Read the configuration file again: what changed applies, or nothing does");
        reload.SetAction(r => Show(r, Call(r, HttpMethod.Post, "/api/reload"), []));
        root.Subcommands.Add(reload);

        var since = new Option<string?>("--since") { Description = "1h, 30m, 7d or an ISO 8601 time" };
        var extension = new Option<string?>("--extension");
        var direction = new Option<string?>("--direction") { Description = "internal, outbound or inbound" };
        var cdr = new Command("cdr", "Call records, newest first") { since, extension, direction };
        cdr.SetAction(r =>
        {
            var q = new List<string>();
            foreach ((string name, string? value) in new[] { ("since", r.GetValue(since)), ("extension", r.GetValue(extension)), ("direction", r.GetValue(direction)) })
            {
                if (value is not null)
                {
                    q.Add($"{name}={Uri.EscapeDataString(value)}");
                }
            }

            (int code, JsonElement? body) = Call(r, HttpMethod.Get, "/api/cdrs" + (q.Count > 0 ? "?" + string.Join('&', q) : ""));
            return Show(r, (code, body is { } b && code < 300 && !r.GetValue(json) ? b.GetProperty("records") : body),
                ["start", "from", "to", "direction", "answeredBy", "billable", "endReason", "sipStatus"]);
        });
        root.Subcommands.Add(cdr);

        var tokenCommand = new Command("token", "Bearer tokens for scripts");
        var readOnly = new Option<bool>("--read-only") { Description = "A token that may only read (GET); a change answers 403" };
        var create = new Command("create", "Make a token (shown once, kept as a hash) without a running server") { readOnly };
        create.SetAction(r =>
        {
            Console.WriteLine(Http.AdminAccount.CreateToken(SecretStore.Open(DataDirectory(r.GetValue(config))), r.GetValue(readOnly)));
            return 0;
        });
        tokenCommand.Subcommands.Add(create);
        root.Subcommands.Add(tokenCommand);

        // The API's answer (or its problem) and the table or JSON printed.
        (int, JsonElement?) Call(ParseResult r, HttpMethod method, string path)
        {
            string baseUrl = r.GetValue(url) ?? Environment.GetEnvironmentVariable("ANCHOR_URL") ?? Listen(r.GetValue(config)) ?? "http://127.0.0.1:8080";
            string bearer = r.GetValue(token) ?? Environment.GetEnvironmentVariable("ANCHOR_TOKEN") ?? OwnToken(r.GetValue(config));
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            try
            {
                using HttpResponseMessage resp = http.Send(new HttpRequestMessage(method, path));
                string text = new StreamReader(resp.Content.ReadAsStream()).ReadToEnd();
                return ((int)resp.StatusCode, text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Console.Error.WriteLine($"anchor: no answer from {baseUrl} ({e.Message}); is Anchor running, and is Http:Listen this address?");
                return (-1, null);
            }
        }

        int Show(ParseResult r, (int Code, JsonElement? Body) answer, string[] columns)
        {
            if (answer.Code < 0)
            {
                return 3;
            }

            if (answer.Code >= 300)
            {
                string detail = answer.Body is { } p && p.TryGetProperty("detail", out JsonElement d) ? d.GetString() ?? "" : answer.Body?.ToString() ?? "";
                Console.Error.WriteLine($"anchor: {answer.Code}: {detail}");
                return 1;
            }

            if (answer.Body is not { } body)
            {
                Console.WriteLine("done");
            }
            else if (r.GetValue(json) || columns.Length == 0 || body.ValueKind != JsonValueKind.Array)
            {
                Console.WriteLine(body.ValueKind == JsonValueKind.Object && columns.Length == 0 && !r.GetValue(json) ? Pairs(body) : body.ToString());
            }
            else
            {
                Console.Write(Table(body, columns));
            }

            return 0;
        }

        return root.Parse(args).Invoke();
    }

    private static string Pairs(JsonElement o) => string.Join('\n', o.EnumerateObject().Select(p => $"{p.Name}: {p.Value}"));

    /// <summary>Columns as wide as their widest cell, a header, one row per item.</summary>
    internal static string Table(JsonElement rows, string[] columns)
    {
        var cells = rows.EnumerateArray().Select(row => columns.Select(c => row.TryGetProperty(c, out JsonElement v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : "").ToArray()).ToList();
        int[] widths = columns.Select((c, i) => Math.Max(c.Length, cells.Count == 0 ? 0 : cells.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        sb.AppendJoin("  ", columns.Select((c, i) => c.ToUpperInvariant().PadRight(widths[i]))).Append('\n');
        foreach (string[] row in cells)
        {
            sb.AppendJoin("  ", row.Select((v, i) => v.PadRight(widths[i]))).Append('\n');
        }

        return sb.ToString();
    }

    private static IConfiguration Read(string? configFile)
    {
        var b = new ConfigurationBuilder();
        if (configFile is not null)
        {
            b.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }

        return b.AddEnvironmentVariables("Anchor__").Build();
    }

    private static string? Listen(string? configFile) => Read(configFile)["Http:Listen"] is { Length: > 0 } l ? l : null;

    private static string DataDirectory(string? configFile) =>
        DemoSetup.DataDirectory(Read(configFile).GetSection("Storage").Get<StorageSettings>() ?? new StorageSettings());

    /// <summary>The CLI's own token, kept (0600) in the data folder: whoever may read that folder may run the PBX's commands.</summary>
    private static string OwnToken(string? configFile)
    {
        string dir = DataDirectory(configFile);
        string file = Path.Combine(dir, "cli-token");
        if (File.Exists(file))
        {
            return File.ReadAllText(file).Trim();
        }

        string made = Http.AdminAccount.CreateToken(SecretStore.Open(dir));
        File.WriteAllText(file, made);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return made;
    }
}
