using System.Globalization;
using System.Net;
using Anchor.Media.Relay;
using Anchor.Pbx.Model;
using Anchor.Pbx.Nat;
using Anchor.Pbx.Routing;
using Anchor.Pbx.Security;
using Anchor.Pbx.Trunks;
using Anchor.Sip.Auth;
using Anchor.Sip.Transport;

namespace Anchor.Configuration;

/// <summary>Everything the SIP server runs on, built once from validated settings: typed, immutable, nothing left to parse.</summary>
public sealed record AnchorConfig
{
    public required PbxOptions Pbx { get; init; }

    /// <summary>What can change at run time (extensions, dial plan, trunks, feature codes).</summary>
    public required PbxSnapshot Snapshot { get; init; }

    public required IReadOnlyList<SipEndPoint> Listen { get; init; }

    public IPAddress? ExternalAddress { get; init; }

    /// <summary>Media:ExternalAddress: the address in SDP toward peers beyond the office router, when not Sip:ExternalAddress.</summary>
    public IPAddress? MediaExternalAddress { get; init; }

    /// <summary>Sip:ExternalAddress = stun:HOST[:PORT]: where to ask for the external address.</summary>
    public (string Host, int Port)? Stun { get; init; }

    /// <summary>Sip:UdpFastPath: recvmmsg batches on 64-bit Linux.</summary>
    public bool UdpFastPath { get; init; } = true;

    public required DigestOptions Digest { get; init; }

    public required SecurityOptions Security { get; init; }

    /// <summary>The relay's settings; null when media is never anchored.</summary>
    public MediaRelayOptions? Relay { get; init; }

    public required string StorageConnectionString { get; init; }

    public Anchor.Pbx.Storage.StorageProvider StorageProvider { get; init; }

    /// <summary>The folder beside the database: generated secrets live there, and voicemail under it.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>PINs generated for mailboxes the configuration gives none (<see cref="VoicemailPins"/>).</summary>
    public IReadOnlyDictionary<string, string> GeneratedPins { get; init; } = new Dictionary<string, string>();

    /// <summary>Http:Listen: where the admin page and API listen; null or empty: no HTTP at all.</summary>
    public string? HttpListen { get; init; }

    /// <summary>Http:AdminPassword, when the configuration sets it.</summary>
    public string? AdminPassword { get; init; }

    public int CallRecordDays { get; init; } = 365;

    /// <summary>The zone message times are announced in (Voicemail:TimeZone, else the machine's).</summary>
    public TimeZoneInfo VoicemailZone { get; init; } = TimeZoneInfo.Local;
}

/// <summary>
/// Maps settings that <see cref="SettingsValidator"/> has accepted (and trunks <see cref="TrunkResolver"/> resolved) into
/// an <see cref="AnchorConfig"/>. It assumes valid input: every rule lives in the validator, so there is one set of them.
/// </summary>
public static class ConfigurationMapper
{
    /// <summary>One extension as the PBX uses it (validated settings assumed).</summary>
    public static Extension MapExtension(ExtensionSettings e) =>
        new Extension(e.Number!, e.Password!, e.Name)
            {
                AllowedClasses = e.Allow?.Select(c => Enum.Parse<DialClass>(c)).ToHashSet(),
                MaxOutboundCalls = e.MaxCalls,
                Mailbox = new MailboxOptions
                {
                    Enabled = e.Voicemail.Enabled,
                    Pin = e.Voicemail.Pin,
                    NoAnswer = TimeSpan.FromSeconds(e.Voicemail.NoAnswerSeconds),
                    MaxMessage = TimeSpan.FromSeconds(e.Voicemail.MaxMessageSeconds),
                },
                Forward = new ForwardState
                {
                    Always = e.Forward.Always,
                    Busy = e.Forward.Busy,
                    NoAnswerTarget = e.Forward.NoAnswer,
                    NoAnswer = TimeSpan.FromSeconds(e.Forward.NoAnswerSeconds),
                    Dnd = e.Dnd,
                },
                PickupGroup = e.PickupGroup,
            };

    public static AnchorConfig Map(AnchorSettings s, IReadOnlyList<TrunkOptions> trunks, IReadOnlyDictionary<string, string>? generatedPins = null)
    {
        SipSettings sip = s.Sip;
        (string Host, int Port)? stun = SipSettings.StunServer(sip.ExternalAddress);
        IPAddress? external = sip.ExternalAddress is null || stun is not null ? null : IPAddress.Parse(sip.ExternalAddress);
        SipEndPoint[] listen = (sip.Listen.Count > 0 ? (IEnumerable<string>)sip.Listen : SipSettings.DefaultListen).Select(SipEndPoint.Parse).ToArray();
        var anchoring = Enum.Parse<MediaAnchoring>(s.Media.Anchor);
        var pbx = new PbxOptions
        {
            Domain = sip.Domain,
            MinExpires = sip.MinExpires,
            MaxExpires = sip.MaxExpires,
            DefaultExpires = Math.Min(3600, sip.MaxExpires),
            KeepAliveInterval = TimeSpan.FromSeconds(sip.KeepAliveSeconds),
            TimerC = TimeSpan.FromSeconds(sip.TimerCSeconds),
            ServerHeader = s.Security.ServerHeader ?? sip.ServerHeader,
            MediaAnchoring = anchoring,
            Networks = sip.LocalNetworks.Count == 0 ? LocalNetworks.Default
                : new LocalNetworks(sip.LocalNetworks.Select(n => LocalNetworks.TryParse(n, out IPNetwork net) ? net : throw new FormatException(n))),
        };

        var office = OfficeConfig.Compile(s);
        var snapshot = new PbxSnapshot(
            s.Extensions.Select(MapExtension),
            new DialPlan(s.DialPlan.Select(r => new DialPlanRule(DigitMap.Parse(r.Pattern!), r.Trunk!, Enum.Parse<DialClass>(r.Class))).ToArray()),
            trunks.Select(t => new Trunk(t)),
            s.FeatureCodes,
            office.Attendants,
            office.Voicemail,
            office.HuntGroups,
            office.ContactLists,
            office.Park);

        var digest = new DigestOptions();
        if (sip.DigestAlgorithms.Count > 0)
        {
            digest = digest with
            {
                Algorithms = sip.DigestAlgorithms.Select(a => DigestAlgorithms.TryParse(a, out DigestAlgorithm d) ? d : DigestAlgorithm.Md5).Distinct().ToArray(),
            };
        }

        SecuritySettings sec = s.Security;
        var security = new SecurityOptions
        {
            TrustedNetworks = sec.TrustedNetworks.Select(n => IPNetwork.Parse(n)).ToArray(),
            AuthFailuresPerMinute = sec.AuthFailuresPerMinute,
            Ban = TimeSpan.FromSeconds(sec.BanSeconds),
            RequestsPerSecondPerSource = sec.RequestsPerSecondPerSource,

            // All of an ITSP's traffic comes from its proxy: never rate-limit or ban it (it still only gets its DIDs).
            TrustedHosts = trunks.SelectMany(t => t.Hosts).ToHashSet(),
        };

        MediaRelayOptions? relay = null;
        if (anchoring != MediaAnchoring.Never)
        {
            string[] range = s.Media.PortRange.Split('-');
            relay = new MediaRelayOptions
            {
                BindAddress = s.Media.Address is { } a ? IPAddress.Parse(a) : listen[0].EndPoint.Address,
                PortMin = int.Parse(range[0], CultureInfo.InvariantCulture),
                PortMax = int.Parse(range[1], CultureInfo.InvariantCulture),
                MediaTimeout = TimeSpan.FromSeconds(s.Media.TimeoutSeconds),
                Threads = s.Media.Threads > 0 ? s.Media.Threads : Math.Clamp(Environment.ProcessorCount, 1, 4),
            };
        }

        return new AnchorConfig
        {
            Pbx = pbx,
            Snapshot = snapshot,
            Listen = listen,
            ExternalAddress = external,
            MediaExternalAddress = s.Media.ExternalAddress is { } me ? IPAddress.Parse(me) : null,
            Stun = stun,
            UdpFastPath = s.Sip.UdpFastPath,
            Digest = digest,
            Security = security,
            Relay = relay,
            StorageConnectionString = s.Storage.ConnectionString,
            StorageProvider = StorageSettings.ProviderOf(s.Storage.Provider)!.Value,
            HttpListen = string.IsNullOrWhiteSpace(s.Http.Listen) ? null : s.Http.Listen,
            AdminPassword = string.IsNullOrEmpty(s.Http.AdminPassword) ? null : s.Http.AdminPassword,
            CallRecordDays = s.Storage.CallRecordDays,
            DataDirectory = DemoSetup.DataDirectory(s.Storage),
            GeneratedPins = generatedPins ?? new Dictionary<string, string>(),
            VoicemailZone = OfficeConfig.Zone(s.Voicemail.TimeZone),
        };
    }
}
