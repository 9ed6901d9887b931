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
using Anchor.Sip.Auth;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Anchor;

/// <summary>Runs the PBX inside the generic host: transports, transactions, registrar, location, proxy and keep-alives.</summary>
internal sealed class SipServer : IHostedService, IAsyncDisposable
{
    private readonly AnchorSettings _settings;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private SipTransportLayer? _transport;
    private TransactionLayer? _transactions;
    private LocationService? _location;
    private KeepAlive? _keepAlive;
    private MediaRelay? _relay;
    private SourceGuard? _guard;
    private CallHost? _calls;
    private readonly MediaAssetSet _assets;
    private readonly List<TrunkRegistration> _registrations = [];
    private readonly IReadOnlyList<TrunkOptions> _trunks;

    public SipServer(AnchorSettings settings, IReadOnlyList<TrunkOptions> trunks, MediaAssetSet assets, ILoggerFactory loggers)
    {
        _assets = assets;
        _settings = settings;
        _trunks = trunks;
        _loggers = loggers;
        _log = loggers.CreateLogger("Anchor");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        TimeProvider time = TimeProvider.System;
        SipSettings sip = _settings.Sip;
        var options = new PbxOptions
        {
            Domain = sip.Domain,
            Extensions = _settings.Extensions.Select(e => new Extension(e.Number!, e.Password!, e.Name)
            {
                AllowedClasses = e.Allow is null ? null : e.Allow.Select(c => Enum.Parse<DialClass>(c)).ToHashSet(),
                MaxOutboundCalls = e.MaxCalls,
            }).ToArray(),
            MinExpires = sip.MinExpires,
            MaxExpires = sip.MaxExpires,
            DefaultExpires = Math.Min(3600, sip.MaxExpires),
            KeepAliveInterval = TimeSpan.FromSeconds(sip.KeepAliveSeconds),
            TimerC = TimeSpan.FromSeconds(sip.TimerCSeconds),
            ServerHeader = _settings.Security.ServerHeader ?? sip.ServerHeader,
            MediaAnchoring = Enum.Parse<MediaAnchoring>(_settings.Media.Anchor),
            FeatureCodes = new FeatureCodes { EchoTest = _settings.FeatureCodes.EchoTest },
        };

        _location = new LocationService(new SqliteLocationStore(_settings.Storage.ConnectionString), time, _loggers.CreateLogger("Anchor.Location"));
        _transport = new SipTransportLayer(new SipTransportOptions { ServerHeader = options.ServerHeader }, time, _loggers.CreateLogger("Anchor.Sip.Transport"));
        var local = new LocalAddresses(_transport, sip.Domain, sip.ExternalAddress is null ? null : IPAddress.Parse(sip.ExternalAddress));

        // One realm, one nonce secret for registrar and proxy: the office's domain.
        var digest = new DigestOptions();
        if (sip.DigestAlgorithms.Count > 0)
        {
            digest = digest with
            {
                Algorithms = sip.DigestAlgorithms.Select(a => DigestAlgorithms.TryParse(a, out DigestAlgorithm d) ? d : DigestAlgorithm.Md5).Distinct().ToArray(),
            };
        }

        SecuritySettings sec = _settings.Security;
        _guard = new SourceGuard(
            new SecurityOptions
            {
                TrustedNetworks = sec.TrustedNetworks.Select(n => IPNetwork.Parse(n)).ToArray(),
                AuthFailuresPerMinute = sec.AuthFailuresPerMinute,
                Ban = TimeSpan.FromSeconds(sec.BanSeconds),
                RequestsPerSecondPerSource = sec.RequestsPerSecondPerSource,

                // All of an ITSP's traffic comes from its proxy: never rate-limit or ban it (it still only gets its DIDs).
                TrustedHosts = _trunks.SelectMany(t => t.ProxyAddresses.Append(t.Proxy.EndPoint.Address)).ToHashSet(),
            },
            time,
            _loggers.CreateLogger("Anchor.Security"));
        _transport.Filter = _guard;
        var auth = new ExtensionAuth(new DigestAuthenticator(sip.Domain, digest, time, uri => local.NamesUs(uri)), options.Extensions, _loggers.CreateLogger("Anchor.Security"))
        {
            Guard = _guard,
        };
        var registrar = new Registrar(options, auth, _location, time, _loggers.CreateLogger("Anchor.Registrar"));
        var tokens = new DialogTokens(SecretStore.Open(DemoSetup.DataDirectory(_settings.Storage.ConnectionString)).Key("dialog", 32));
        var proxy = new ProxyCore(options, auth, _location, local, tokens, _loggers.CreateLogger("Anchor.Proxy"));
        IEnumerable<string> listen = sip.Listen.Count > 0 ? sip.Listen : SipSettings.DefaultListen;
        SipEndPoint[] listenOn = listen.Select(SipEndPoint.Parse).ToArray();
        if (options.MediaAnchoring != MediaAnchoring.Never)
        {
            string[] range = _settings.Media.PortRange.Split('-');
            _relay = new MediaRelay(
                new MediaRelayOptions
                {
                    BindAddress = _settings.Media.Address is { } a ? IPAddress.Parse(a) : listenOn[0].EndPoint.Address,
                    PortMin = int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture),
                    PortMax = int.Parse(range[1], System.Globalization.CultureInfo.InvariantCulture),
                    MediaTimeout = TimeSpan.FromSeconds(_settings.Media.TimeoutSeconds),
                    Threads = _settings.Media.Threads > 0 ? _settings.Media.Threads : Math.Clamp(Environment.ProcessorCount, 1, 4),
                },
                _loggers.CreateLogger("Anchor.Media"), time);
        }

        Trunk[] trunks = _trunks.Select(t => new Trunk(t)).ToArray();

        var dialPlan = new DialPlan(_settings.DialPlan.Select(r => new DialPlanRule(DigitMap.Parse(r.Pattern!), r.Trunk!, Enum.Parse<DialClass>(r.Class))).ToArray());
        IPAddress? external = sip.ExternalAddress is null ? null : IPAddress.Parse(sip.ExternalAddress);
        var router = new Router(options, _location, dialPlan, trunks, _relay is not null, _loggers.CreateLogger("Anchor.Calls"));
        _calls = new CallHost(options, local, _relay, external, _loggers.CreateLogger("Anchor.Calls"), time)
        {
            Prompts = _assets.Prompts,
            Music = _assets.Music,
        };
        proxy.Calls = _calls;
        proxy.Router = router;
        var core = new PbxCore(registrar, proxy, local) { Calls = _calls, Router = router };
        _transactions = new TransactionLayer(_transport, core, time, log: _loggers.CreateLogger("Anchor.Sip.Transactions"), serverHeader: options.ServerHeader);
        proxy.Transactions = _transactions;
        _calls.Transactions = _transactions;

        _transport.Start(listenOn, _transactions);
        foreach (Trunk t in trunks.Where(t => t.Options.Register))
        {
            var reg = new TrunkRegistration(t, _transactions, local, time, _loggers.CreateLogger("Anchor.Trunks"), options.ServerHeader);
            _registrations.Add(reg);
            reg.Start();
        }

        _keepAlive = new KeepAlive(_location, _transactions, local, sip.Domain, options.KeepAliveInterval, time, _loggers.CreateLogger("Anchor.KeepAlive"));
        _log.LogInformation("Anchor serving {Domain} with {Count} extensions", sip.Domain, options.Extensions.Count);
        return Task.CompletedTask;
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

        foreach (TrunkRegistration r in _registrations)
        {
            await r.DisposeAsync().ConfigureAwait(false); // unregister while the transport still runs
        }

        _registrations.Clear();
        _keepAlive?.Dispose();
        _keepAlive = null;
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
    }
}
