using System.Text.Json;

namespace Anchor.Functional.Tests;

/// <summary>
/// The Anchor executable as an office runs it: a config file with extensions 101–103, SQLite in a temp folder, UDP and
/// TCP on one free loopback port. Restartable on the same data.
/// </summary>
internal sealed class PbxHost : IAsyncDisposable
{
    public static readonly IReadOnlyDictionary<string, string> Passwords = new Dictionary<string, string>
    {
        ["101"] = "alice-secret-101",
        ["102"] = "bob-secret-102",
        ["103"] = "carol-secret-103",
    };

    /// <summary>The admin's password in every test's configuration (Http:AdminPassword).</summary>
    public const string AdminPassword = "admin-secret-for-tests";

    private readonly string _config;
    private AnchorProcess? _process;
    private IReadOnlyDictionary<string, string>? _environment;

    private PbxHost(string dir, int port, string config, string address, string? netns)
    {
        Directory = dir;
        Port = port;
        _config = config;
        Address = address;
        Netns = netns;
    }

    /// <summary>The address Anchor listens on (loopback, or its LAN address in the NAT tests' namespace).</summary>
    public string Address { get; }

    /// <summary>The network namespace Anchor runs in; null: the host's.</summary>
    public string? Netns { get; }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>The admin API's port (Http:Listen on loopback); 0 when a test turned HTTP off.</summary>
    public int HttpPort { get; private set; }

    public string Output => _process?.Output ?? "";

    /// <summary>The configuration file Anchor runs with.</summary>
    public string ConfigFile => _config;

    /// <summary>
    /// Asserts the log shows <paramref name="text"/> within a few seconds: the console logger writes from a background
    /// queue, so a line may land after the SIP exchange that caused it has finished.
    /// </summary>
    public async Task AssertLogAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && !Output.Contains(text, StringComparison.Ordinal))
        {
            await Task.Delay(50);
        }

        Assert.True(Output.Contains(text, StringComparison.Ordinal), $"the log lacks \"{text}\":\n{Output}");
    }

    public static async Task<PbxHost> StartAsync(int keepAliveSeconds = 25, int timerCSeconds = 180, Action<Dictionary<string, object?>>? configure = null,
        IReadOnlyDictionary<string, string>? environment = null, string domain = "pbx.test", bool voicemail = true,
        string address = "127.0.0.1", string? netns = null)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("anchor-pbx-").FullName;
        int port = netns is null ? FreePort.Next() : 5060; // a namespace of its own: the standard port
        var config = new Dictionary<string, object?>
        {
            ["Sip"] = new
            {
                Domain = domain,
                Listen = new[] { $"udp:{address}:{port}", $"tcp:{address}:{port}" },
                KeepAliveSeconds = keepAliveSeconds,
                TimerCSeconds = timerCSeconds,
            },
            ["Storage"] = new { Provider = "Sqlite", ConnectionString = $"Data Source={Path.Combine(dir, "anchor.db")}" },
            // voicemail: false for tests of what a caller hears when nobody answers and no mailbox takes the call.
            ["Extensions"] = Passwords.Select(p => new { Number = p.Key, Password = p.Value, Name = "Ext " + p.Key, Voicemail = new { Enabled = voicemail } }).ToArray(),
            ["Logging"] = new { LogLevel = new { Default = "Information" } },
        };
        int httpPort = FreePort.Next();
        object http = new { Listen = $"http://127.0.0.1:{httpPort}", AdminPassword };
        config["Http"] = http;
        configure?.Invoke(config);
        string file = Path.Combine(dir, "anchor.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(config));
        var host = new PbxHost(dir, port, file, address, netns) { _environment = environment, HttpPort = ReferenceEquals(config["Http"], http) ? httpPort : 0 };
        await host.StartProcessAsync();
        return host;
    }

    /// <summary>Stops Anchor as an init system would (SIGTERM) and returns its exit code.</summary>
    public async Task<int> StopAsync() => await _process!.StopAsync(TimeSpan.FromSeconds(15));

    /// <summary>kill -9, then start again on the same data.</summary>
    public async Task KillAndRestartAsync()
    {
        await _process!.KillAsync();
        await _process.DisposeAsync();
        await StartProcessAsync();
    }

    /// <summary>Sends the Anchor process a signal (HUP: read the configuration again).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, _process!.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Rewrites the configuration file (in place, as an admin's editor does) with <paramref name="edit"/> applied to its JSON.</summary>
    public async Task EditConfigAsync(Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var json = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(_config))!;
        edit(json);
        await File.WriteAllTextAsync(_config, json.ToJsonString());
    }

    /// <summary>Resident memory of the Anchor process, in kB (VmRSS).</summary>
    public long ResidentKb()
    {
        string status = File.ReadAllText($"/proc/{_process!.Pid}/status");
        string line = status.Split('\n').First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task RestartAsync()
    {
        Assert.Equal(0, await _process!.StopAsync(TimeSpan.FromSeconds(15)));
        await _process.DisposeAsync();
        await StartProcessAsync();
    }

    private async Task StartProcessAsync()
    {
        _process = AnchorProcess.Start(_environment, Netns, "--config", _config);
        Assert.True(await _process.WaitForOutputAsync($"Listening on tcp:{Address}:{Port}", TimeSpan.FromSeconds(30)), _process.Output);
        if (HttpPort != 0)
        {
            Assert.True(await _process.WaitForOutputAsync($"Admin API on http://127.0.0.1:{HttpPort}", TimeSpan.FromSeconds(30)), _process.Output);
        }
    }

    /// <summary>A client of the admin API, logged in as the admin.</summary>
    public async Task<AdminClient> AdminAsync()
    {
        var client = new AdminClient(HttpPort);
        await client.LoginAsync(AdminPassword);
        return client;
    }

    /// <summary>Registers an extension from <paramref name="localPort"/> with a Contact at <paramref name="contactPort"/>.</summary>
    public Task<Sipp.Result> RegisterAsync(string number, int localPort, int? contactPort = null, int expires = 3600, string transport = "u1", string? password = null,
        string? sourceIp = null) =>
        Sipp.RunAsync("register.xml", Port, transport, 1, 10, 20, "127.0.0.1", localPort,
            new[]
            {
                "-s", number, "-au", number, "-ap", password ?? Passwords[number], "-set", "expires", expires.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-set", "contact_port", (contactPort ?? localPort).ToString(System.Globalization.CultureInfo.InvariantCulture),
            }.Concat(sourceIp is null ? [] : ["-i", sourceIp]));

    /// <summary>Runs a scenario as extension 101 calling <paramref name="callee"/>.</summary>
    public Task<Sipp.Result> CallAsync(string scenario, string callee, string transport = "u1", int timeoutSeconds = 30, IEnumerable<string>? extra = null) =>
        Sipp.RunAsync(scenario, Port, transport, 1, 10, timeoutSeconds, "127.0.0.1", FreePort.Next(),
            // SIPp's own digest uri (sip:HOST:PORT, not the Request-URI): the default SIPp must work, as a new user runs it.
            new[] { "-s", callee, "-au", "101", "-ap", Passwords["101"] }.Concat(extra ?? []));

    /// <summary>A proxied call: 102 registered on a free port answers 101 (call.xml), and the caller hangs up; both SIPp runs must pass.</summary>
    public async Task ProxiedCallTo102Async()
    {
        int calleePort = FreePort.Next();
        Assert.Equal(0, (await RegisterAsync("102", calleePort)).ExitCode);
        Task<Sipp.Result> callee = CalleeAsync("uas-answer.xml", calleePort);
        await Task.Delay(300);
        Sipp.Result caller = await CallAsync("call.xml", "102");
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + Output);
        Assert.Equal(0, (await callee).ExitCode);
    }

    /// <summary>Starts a callee scenario listening on <paramref name="localPort"/>; it ends after one call or its timeout.</summary>
    public static Task<Sipp.Result> CalleeAsync(string scenario, int localPort, int answerMs = 200, string transport = "u1", int timeoutSeconds = 30) =>
        Sipp.RunAsync(scenario, 5060, transport, 1, 10, timeoutSeconds, "127.0.0.1", localPort,
            scenario == "uas-answer.xml" ? ["-set", "answer_ms", answerMs.ToString(System.Globalization.CultureInfo.InvariantCulture)] : []);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
}
