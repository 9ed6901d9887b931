using Anchor;
using Anchor.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Anchor's host. Configuration sources, later overriding earlier: --config FILE.json, environment (Anchor__Section__Key),
// command line (--Section:Key=value).
if (args.Length > 0 && Anchor.Cli.OperatorCli.Commands.Contains(args[0]))
{
    return Anchor.Cli.OperatorCli.Run(args); // anchor status, registrations, calls, hangup, cdr, token create
}

string? configFile = null;
var rest = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--config" && i + 1 < args.Length)
    {
        configFile = args[++i];
    }
    else if (args[i].StartsWith("--config=", StringComparison.Ordinal))
    {
        configFile = args[i]["--config=".Length..];
    }
    else
    {
        rest.Add(args[i]);
    }
}

if (configFile is not null && !File.Exists(configFile))
{
    Console.Error.WriteLine($"--config: file \"{configFile}\" does not exist");
    return 2;
}

HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
builder.Configuration.Sources.Clear();
if (configFile is not null)
{
    builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false); // watched below
}

builder.Configuration.AddEnvironmentVariables("Anchor__");
builder.Configuration.AddCommandLine(rest.ToArray());
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));

var settings = new AnchorSettings();
try
{
    ConfigurationKeys.Bind(builder.Configuration, settings); // linear in the number of keys (5,000 extensions)
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"Configuration: {e.Message}");
    return 2;
}

// A key no setting reads is most often a typo: said at once, with the nearest real key (the setting is not lost silently).
foreach (string unknown in UnknownKeys.Find(builder.Configuration))
{
    Console.Error.WriteLine($"warning: {unknown}");
}

IReadOnlyList<string> errors = SettingsValidator.Validate(settings);
if (errors.Count > 0)
{
    foreach (string e in errors)
    {
        Console.Error.WriteLine(e);
    }

    return 2;
}

if (configFile is null && settings.Extensions.Count == 0)
{
    string? announce = DemoSetup.Apply(settings);
    if (announce is not null)
    {
        Console.WriteLine(announce);
    }
}

// What the admin page and API changed (kept in the database) applies over the file, checked by the same rules.
var overlay = new Anchor.Pbx.Storage.ConfigOverlayStore(settings.Storage.ConnectionString, StorageSettings.ProviderOf(settings.Storage.Provider)!.Value);
LiveConfiguration.ApplyOverlay(settings, overlay);
errors = SettingsValidator.Validate(settings);
if (errors.Count > 0)
{
    foreach (string e in errors)
    {
        Console.Error.WriteLine($"{e} (with the changes made from the admin page)");
    }

    return 2;
}

var live = new LiveConfiguration(settings, overlay)
{
    // A reload reads the same sources again (the file, the environment, the command line), with the overlay on top.
    Loader = () =>
    {
        var sources = new ConfigurationBuilder();
        if (configFile is not null)
        {
            sources.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }

        sources.AddEnvironmentVariables("Anchor__").AddCommandLine(rest.ToArray());
        var fresh = new AnchorSettings();
        try
        {
            ConfigurationKeys.Bind(sources.Build(), fresh);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or IOException or InvalidDataException)
        {
            throw new LiveConfiguration.RefusedException(new() { ["configuration"] = [e.Message] });
        }

        if (configFile is null && fresh.Extensions.Count == 0)
        {
            DemoSetup.Apply(fresh);
        }

        LiveConfiguration.ApplyOverlay(fresh, overlay);
        return fresh;
    },
};
builder.Services.AddSingleton(live);

// Trunk proxies are resolved once, before anything starts: a name that does not resolve is a configuration error.
(List<Anchor.Pbx.Trunks.TrunkOptions> trunks, List<string> trunkErrors) = await TrunkResolver.ResolveAsync(settings).ConfigureAwait(false);
if (trunkErrors.Count > 0)
{
    foreach (string e in trunkErrors)
    {
        Console.Error.WriteLine(e);
    }

    return 2;
}

// Prompts and music on hold are read once, now: a missing file stops start-up naming it.
(Anchor.Media.Audio.PromptLibrary? prompts, Anchor.Media.Audio.MusicOnHold? music, List<string> mediaErrors) = MediaAssets.Load(settings.Media);
if (mediaErrors.Count > 0)
{
    foreach (string e in mediaErrors)
    {
        Console.Error.WriteLine(e);
    }

    return 2;
}

builder.Services.AddSingleton(new MediaAssetSet(prompts!, music!));
// Mailboxes without a configured PIN get a generated one, printed once.
(Dictionary<string, string> pins, string? pinAnnounce) = VoicemailPins.Ensure(settings, DemoSetup.DataDirectory(settings.Storage));
if (pinAnnounce is not null)
{
    Console.WriteLine(pinAnnounce);
}

AnchorConfig config = ConfigurationMapper.Map(settings, trunks, pins);
builder.Services.AddSingleton(config);
builder.Services.AddSingleton<SipServer>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<SipServer>());
if (config.HttpListen is { } listen)
{
    // The admin account: Http:AdminPassword, or a password made on first start and printed this once.
    var account = new Anchor.Http.AdminAccount(SecretStore.Open(config.DataDirectory), config.AdminPassword, TimeProvider.System, out string? generated);
    if (generated is not null)
    {
        Console.WriteLine($"Admin page and API: {listen} (user {Anchor.Http.AdminAccount.User}, password {generated}; shown once, kept only as a hash)");
    }

    builder.Services.AddSingleton(account);
    builder.Services.AddHostedService<Anchor.Http.AdminServer>();
}

using IHost host = builder.Build();

// SIGHUP, or an edit of the configuration file: it is read again; what changed applies at once, or nothing does
// (every error logged). Edits are taken half a second after the last write (an editor's save is several).
ILogger reloadLog = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Anchor.Configuration");
async Task ReloadAsync(string why)
{
    try
    {
        LiveConfiguration.Outcome o = await live.ReloadAsync().ConfigureAwait(false);
        reloadLog.LogInformation("Configuration reloaded ({Why}): applied [{Applied}]; needs a restart [{Restart}]", why, string.Join(", ", o.Applied),
            string.Join(", ", o.NeedRestart));

        // A mailbox the file added without a PIN gets one now, printed once as at first start.
        (Dictionary<string, string> newPins, string? announce) = VoicemailPins.Ensure(live.Settings, config.DataDirectory);
        host.Services.GetRequiredService<SipServer>().Mailboxes?.UseGeneratedPins(newPins);
        if (announce is not null)
        {
            Console.WriteLine(announce);
        }
    }
    catch (LiveConfiguration.RefusedException e)
    {
        foreach (var (field, messages) in e.Errors)
        {
            reloadLog.LogError("Configuration reload ({Why}) refused, nothing changed: {Field}: {Messages}", why, field, string.Join("; ", messages));
        }
    }
    catch (Exception e)
    {
        reloadLog.LogError(e, "Configuration reload ({Why}) failed, nothing changed", why);
    }
}

using var hangup = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGHUP, signal =>
{
    signal.Cancel = true;
    _ = Task.Run(() => ReloadAsync("SIGHUP"));
});
using var settle = new Timer(_ => _ = ReloadAsync("the file changed"));
// The file's time and size are looked at once a second. Not inotify: the framework's reload-on-change watches the
// file's folder and every folder under it, so with the database beside the file (data/) every write of a call record
// or a registration was an event to read and stat; a watch of the folder alone still sees the database's writes when
// it sits in the same folder.
using Timer? watch = configFile is null ? null : ConfigWatch(Path.GetFullPath(configFile),
    () => settle.Change(TimeSpan.FromMilliseconds(500), Timeout.InfiniteTimeSpan));

try
{
    await host.RunAsync().ConfigureAwait(false);
}
catch (InvalidOperationException e) when (e.InnerException is System.Net.Sockets.SocketException or IOException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

return 0;

static Timer ConfigWatch(string file, Action changed)
{
    static (DateTime, long) Look(string file)
    {
        var info = new FileInfo(file);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }

    (DateTime, long) seen = Look(file);
    return new Timer(_ =>
    {
        (DateTime, long) now = Look(file);
        if (now != seen)
        {
            seen = now;
            changed();
        }
    }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
}
