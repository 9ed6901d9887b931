using System.Net;
using Anchor.Configuration;
using Anchor.Media.Relay;
using Anchor.Pbx;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Location;
using Anchor.Pbx.Model;
using Anchor.Pbx.Proxy;
using Anchor.Pbx.Registrar;
using Anchor.Pbx.Routing;
using Anchor.Pbx.Security;
using Anchor.Pbx.Trunks;
using Anchor.Pbx.Voicemail;
using Anchor.Sip.Auth;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Anchor;

/// <summary>Runs the PBX inside the generic host: transports, transactions, registrar, location, proxy and keep-alives.</summary>
internal sealed class SipServer : IHostedService, IAsyncDisposable
{
    private readonly AnchorConfig _config;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly MediaAssetSet _assets;
    private SipTransportLayer? _transport;
    private TransactionLayer? _transactions;
    private LocationService? _location;
    private KeepAlive? _keepAlive;
    private Pbx.Nat.ExternalAddressDiscovery? _stun;
    private LocalAddresses? _local;
    private MediaRelay? _relay;
    private SourceGuard? _guard;
    private CallHost? _calls;
    private SipTimerQueue? _timers;
    private VoicemailStore? _voicemail;
    private Pbx.Forwarding.PhoneSettings? _phoneSettings;
    private Pbx.Records.CallRecords? _records;
    private SnapshotSource? _snapshot;
    private readonly List<TrunkRegistration> _registrations = [];
    private readonly List<TrunkKeepAlive> _trunkKeepAlives = [];

    private readonly LiveConfiguration? _live;

    public SipServer(AnchorConfig config, MediaAssetSet assets, ILoggerFactory loggers, LiveConfiguration? live = null)
    {
        _live = live;
        _config = config;
        _assets = assets;
        _loggers = loggers;
        _log = loggers.CreateLogger("Anchor");
    }

    // ---- What the admin API reads (set once started) ----

    public DateTimeOffset StartedAt { get; private set; }

    public LocationService? Location => _location;

    public CallHost? Calls => _calls;

    public Pbx.Records.CallRecords? Records => _records;

    public PbxSnapshot? Snapshot => _snapshot?.Current;

    public SourceGuard? Guard => _guard;

    public SipTrace Trace { get; } = new();

    public SipTransportLayer? Transport => _transport;

    public Mailboxes? Mailboxes { get; private set; }

    /// <summary>Phones whose registration will not hold still (the dashboard's warning).</summary>
    public Pbx.Location.Flapping? Flapping { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        TimeProvider time = TimeProvider.System;
        PbxOptions options = _config.Pbx;
        var snapshot = new SnapshotSource(_config.Snapshot);
        _snapshot = snapshot;
        if (_live is not null)
        {
            _live.Source = snapshot; // the admin's changes swap it from now on
        }

        StartedAt = time.GetUtcNow();

        // One clock, one timer queue for every timer in Anchor: transactions, calls, keep-alives, purges, the heartbeat.
        _timers = new SipTimerQueue(time, TimeSpan.FromMilliseconds(10)); // expiries up to 10 ms late, one wake-up for all of them
        _location = new LocationService(new SqlLocationStore(_config.StorageConnectionString, _config.StorageProvider), time, _loggers.CreateLogger("Anchor.Location"), _timers);
        _transport = new SipTransportLayer(new SipTransportOptions { ServerHeader = options.ServerHeader, UdpFastPath = _config.UdpFastPath }, time, _loggers.CreateLogger("Anchor.Sip.Transport"))
        {
            TimerQueue = _timers,
        };
        _transport.Trace = Trace; // the messages of recent calls, for the admin's ladder
        var local = new LocalAddresses(_transport, options.Domain, _config.ExternalAddress, options.Networks, _config.MediaExternalAddress);
        _guard = new SourceGuard(_config.Security, time, _loggers.CreateLogger("Anchor.Security"), _timers);
        _transport.Filter = _guard;

        // One realm, one nonce secret for registrar and proxy: the office's domain.
        var auth = new ExtensionAuth(new DigestAuthenticator(options.Domain, _config.Digest, time, uri => local.NamesUs(uri)), snapshot,
            _loggers.CreateLogger("Anchor.Security"))
        {
            Guard = _guard,
        };
        var registrar = new Registrar(options, auth, _location, time, _loggers.CreateLogger("Anchor.Registrar"));
        var tokens = new DialogTokens(SecretStore.Open(_config.DataDirectory).Key("dialog", 32));
        var proxy = new ProxyCore(options, auth, _location, local, tokens, _loggers.CreateLogger("Anchor.Proxy"));
        if (_config.Relay is { } relayOptions)
        {
            _relay = new MediaRelay(relayOptions, _loggers.CreateLogger("Anchor.Media"), time);
        }

        var router = new Router(options, _location, snapshot, _relay is not null, _loggers.CreateLogger("Anchor.Calls"), time);

        // Forwards and do-not-disturb the phones set (*72, *78 ...) live in the same database: a restart keeps them.
        _phoneSettings = new Pbx.Forwarding.PhoneSettings(_config.StorageConnectionString, _config.StorageProvider);
        router.Settings = _phoneSettings;
        var blf = new Pbx.Presence.DialogEvents(router.Lines, local, options.Domain, options.ServerHeader, _loggers.CreateLogger("Anchor.Presence"));
        router.Blf = blf;

        // Voicemail: messages under data/voicemail, their rows in the same database; leftovers of a crash go first.
        _voicemail = new VoicemailStore(_config.StorageConnectionString, _config.StorageProvider);
        var boxes = Mailboxes = new Mailboxes(_voicemail, Path.Combine(_config.DataDirectory, "voicemail"), snapshot, _config.GeneratedPins, time,
            _loggers.CreateLogger("Anchor.Voicemail"));
        boxes.CleanOrphans();
        var mwi = new MessageWaiting(boxes, _location, local, options.Domain, options.ServerHeader, snapshot.Current.Voicemail.UnsolicitedMwi,
            snapshot.Current.FeatureCodes.VoicemailMain, _loggers.CreateLogger("Anchor.Voicemail"));
        router.Mwi = mwi;
        registrar.Registered += mwi.OnRegistered;
        Flapping = new Pbx.Location.Flapping(time);
        registrar.Moved += Flapping.OnMoved;
        _location.BindingDropped += Flapping.OnDropped;
        // Call records in the same database; the 200 to a BYE waits for its call's record (CallRecords).
        _records = new Pbx.Records.CallRecords(new Pbx.Records.SqlCallRecordStore(_config.StorageConnectionString, _config.StorageProvider),
            _loggers.CreateLogger("Anchor.Records"), time, _config.CallRecordDays);
        proxy.Records = _records;
        _calls = new CallHost(options, local, _relay, _loggers.CreateLogger("Anchor.Calls"), time)
        {
            Records = _records,
            Prompts = _assets.Prompts,
            Music = _assets.Music,
            Mailboxes = boxes,
            Guard = _guard,
            Zone = _config.VoicemailZone,
            Router = router,
        };
        proxy.Calls = _calls;
        router.Calls = _calls;
        proxy.Router = router;
        var core = new PbxCore(registrar, proxy, local) { Calls = _calls, Router = router, Mwi = mwi, Blf = blf };
        _transactions = new TransactionLayer(_transport, core, time, log: _loggers.CreateLogger("Anchor.Sip.Transactions"), serverHeader: options.ServerHeader,
            timerQueue: _timers);
        proxy.Transactions = _transactions;
        _calls.Transactions = _transactions;
        mwi.Transactions = _transactions;
        blf.Transactions = _transactions;

        _transport.Start(_config.Listen, _transactions);
        if (_config.Stun is { } stun)
        {
            // Before the trunks register: their REGISTER's Contact must carry the public address already.
            _stun = new Pbx.Nat.ExternalAddressDiscovery(stun.Host, stun.Port, _config.Listen[0].EndPoint.Address, local, _loggers.CreateLogger("Anchor.Nat"));
            await _stun.StartAsync(_timers).ConfigureAwait(false);
        }

        _local = local;
        foreach (Trunk t in snapshot.Current.Trunks.Values)
        {
            StartTrunk(t);
        }

        if (_live is not null)
        {
            _live.TrunksChanged = TrunksChangedAsync;
        }

        mwi.AnnounceAll(); // after a restart every registered phone hears its lamp again
        _keepAlive = new KeepAlive(_location, _transactions, local, options.Domain, options.KeepAliveInterval, _loggers.CreateLogger("Anchor.KeepAlive"));
        _log.LogInformation("Anchor serving {Domain} with {Count} extensions", options.Domain, snapshot.Current.Extensions.Count);

        // What start-up allocated (the configuration as text, then as settings, then as options) is garbage now: one
        // compacting collection that also returns the freed memory to the system, so the resident size of an idle PBX
        // is what it holds, not what it took to start.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>A trunk's registration (when it registers) and keep-alive (when it has one), started.</summary>
    private void StartTrunk(Trunk t)
    {
        if (t.Options.Register)
        {
            var reg = new TrunkRegistration(t, _transactions!, _local!, TimeProvider.System, _loggers.CreateLogger("Anchor.Trunks"), _config.Pbx.ServerHeader);
            lock (_registrations)
            {
                _registrations.Add(reg);
            }

            reg.Start();
        }

        if (t.Options.KeepAlive > TimeSpan.Zero)
        {
            var keepAlive = new TrunkKeepAlive(t, _transactions!, _local!, _config.Pbx.ServerHeader, _loggers.CreateLogger("Anchor.Trunks"));
            lock (_registrations)
            {
                _trunkKeepAlives.Add(keepAlive);
            }
        }
    }

    /// <summary>
    /// Trunks added, removed or given another proxy or account while Anchor runs (LiveConfiguration): the old ones
    /// unregister and stop their keep-alives, the new ones register, and the proxies exempt from rate limits follow.
    /// Calls in progress keep the trunk they started on.
    /// </summary>
    private async Task TrunksChangedAsync(IReadOnlyList<Trunk> added, IReadOnlyList<Trunk> removed, IReadOnlyCollection<Trunk> all)
    {
        await StopTrunksAsync(t => removed.Contains(t)).ConfigureAwait(false);
        foreach (Trunk t in added)
        {
            StartTrunk(t);
        }

        _guard?.Trust(all.SelectMany(t => t.Options.Hosts));
    }

    /// <summary>Stops the registrations (each unregisters, Expires: 0, while the transport still runs) and keep-alives of the trunks <paramref name="which"/> picks.</summary>
    private async Task StopTrunksAsync(Predicate<Trunk> which)
    {
        TrunkRegistration[] registrations;
        TrunkKeepAlive[] keepAlives;
        lock (_registrations)
        {
            registrations = [.. _registrations.Where(r => which(r.Trunk))];
            keepAlives = [.. _trunkKeepAlives.Where(k => which(k.Trunk))];
            _registrations.RemoveAll(r => which(r.Trunk));
            _trunkKeepAlives.RemoveAll(k => which(k.Trunk));
        }

        foreach (TrunkKeepAlive k in keepAlives)
        {
            k.Dispose();
        }

        foreach (TrunkRegistration r in registrations)
        {
            await r.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_calls is not null)
        {
            _calls.HangupAll();
            _calls = null;
            await Task.Delay(200).ConfigureAwait(false); // let the BYEs leave
        }

        await StopTrunksAsync(_ => true).ConfigureAwait(false);

        _keepAlive?.Dispose();
        _keepAlive = null;
        _stun?.Dispose();
        _stun = null;
        if (_transport is not null)
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
            _transport = null;
        }

        _transactions?.Dispose();
        _transactions = null;
        _relay?.Dispose();
        _relay = null;
        _guard?.Dispose();
        _guard = null;
        if (_location is not null)
        {
            // Every binding reaches the store before the process goes: a restart loses no registration.
            await _location.FlushAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await _location.DisposeAsync().ConfigureAwait(false);
            _location = null;
        }

        _records?.Dispose(); // what is queued is written first
        _records = null;
        _voicemail?.Dispose();
        _voicemail = null;
        _phoneSettings?.Dispose();
        _phoneSettings = null;
        _timers?.Dispose();
        _timers = null;
    }
}
