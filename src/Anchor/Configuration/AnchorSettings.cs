namespace Anchor.Configuration;

/// <summary>
/// The whole configuration (docs/configuration.md). Bound from JSON, environment (Anchor__Section__Key) and command line
/// (--Section:Key=value); validated by <see cref="SettingsValidator"/> before anything starts. These names are the public interface.
/// </summary>
public sealed class AnchorSettings
{
    public SipSettings Sip { get; set; } = new();

    public MediaSettings Media { get; set; } = new();

    public StorageSettings Storage { get; set; } = new();

    public HttpSettings Http { get; set; } = new();

    public List<ExtensionSettings> Extensions { get; set; } = [];

    public List<TrunkSettings> Trunks { get; set; } = [];

    public List<DialPlanRuleSettings> DialPlan { get; set; } = [];

    public SecuritySettings Security { get; set; } = new();

    /// <summary>The star codes Anchor answers itself, bound straight into the PBX's own record (its defaults are the defaults).</summary>
    public Anchor.Pbx.Routing.FeatureCodes FeatureCodes { get; set; } = new();

    public VoicemailSettingsSection Voicemail { get; set; } = new();

    public List<AutoAttendantSettings> AutoAttendants { get; set; } = [];

    public List<HuntGroupSettings> HuntGroups { get; set; } = [];

    public ParkSettings Park { get; set; } = new();
}

/// <summary>Call park: transfer a call to Number to park it, dial a slot to take it.</summary>
public sealed class ParkSettings
{
    public bool Enabled { get; set; } = true;

    public string Number { get; set; } = "700";

    /// <summary>LOW-HIGH, numbers of the same length (701-720).</summary>
    public string Slots { get; set; } = "701-720";

    public int TimeoutSeconds { get; set; } = 45;

    public int ReturnSeconds { get; set; } = 30;

    /// <summary>Where a call nobody took goes after ringing the parker (a target); null: the parker's mailbox.</summary>
    public string? Fallback { get; set; }
}

/// <summary>A number that rings several extensions (docs/configuration.md, Hunt groups).</summary>
public sealed class HuntGroupSettings
{
    /// <summary>The group in the SPA9000's syntax (<c>500:name="Sales",101,102,hunt=ne;15;60,cfwd=vm101</c>) instead of the keys below.</summary>
    public string? Spa { get; set; }

    public string? Number { get; set; }

    public string? Name { get; set; }

    /// <summary>Extensions, or other groups (one level deep).</summary>
    public List<string> Members { get; set; } = [];

    /// <summary>RingAll, Restart, Next, Random or Memory.</summary>
    public string Strategy { get; set; } = "RingAll";

    public int RingSeconds { get; set; } = 15;

    /// <summary>Seconds for the whole hunt; below RingSeconds: cycles; 0: for ever.</summary>
    public int MaxSeconds { get; set; }

    /// <summary>Where the call goes when the hunt ends (101, vm101, 400); null: 480.</summary>
    public string? Fallback { get; set; }

    public bool RingBusy { get; set; }

    /// <summary>Members see the caller as "Name: caller".</summary>
    public bool CallerIdPrefix { get; set; }
}

/// <summary>An extension's forwards, each to a target (101, 500, vm101, 400) or an outside number; null: off.</summary>
public sealed class ForwardSettings
{
    public string? Always { get; set; }

    public string? Busy { get; set; }

    public string? NoAnswer { get; set; }

    public int NoAnswerSeconds { get; set; } = 20;
}

/// <summary>Office-wide voicemail settings.</summary>
public sealed class VoicemailSettingsSection
{
    /// <summary>Where 0 during a mailbox greeting goes (a target: 101, 400, vm101); null: 0 does nothing.</summary>
    public string? Operator { get; set; }

    /// <summary>NOTIFY message waiting to phones that never subscribe (as Asterisk does).</summary>
    public bool UnsolicitedMwi { get; set; } = true;

    /// <summary>IANA time zone the date and time of messages are announced in; null: the machine's.</summary>
    public string? TimeZone { get; set; }
}

/// <summary>An extension's mailbox.</summary>
public sealed class MailboxSettings
{
    public bool Enabled { get; set; } = true;

    /// <summary>4 to 10 digits, not weak; null: generated on first start (printed once) and changeable from the phone.</summary>
    public string? Pin { get; set; }

    public int NoAnswerSeconds { get; set; } = 20;

    public int MaxMessageSeconds { get; set; } = 180;
}

/// <summary>An auto attendant: a number callers reach, greeted and routed by menu, day and night.</summary>
public sealed class AutoAttendantSettings
{
    public string? Number { get; set; }

    public string? Name { get; set; }

    /// <summary>IANA time zone of the office; null: the machine's.</summary>
    public string? TimeZone { get; set; }

    /// <summary>Opening hours (day mode), like <c>Mon-Fri 08:30-18:00</c>; empty: always day.</summary>
    public List<string> Open { get; set; } = [];

    /// <summary>Night all day: <c>12-25</c> every year, <c>2026-11-26</c> once.</summary>
    public List<string> Holidays { get; set; } = [];

    public AttendantModeSettings? Day { get; set; }

    public AttendantModeSettings? Night { get; set; }

    /// <summary>An SPA9000 AA script (<c>&lt;aa&gt;…&lt;/aa&gt;</c>) in place of Day (and of Night unless NightScript is set).</summary>
    public string? Script { get; set; }

    public string? NightScript { get; set; }

    /// <summary>AA Dial Plan 1 and 2 of the scripts (dp1, dp2); by default both take any extension number and *.</summary>
    public List<string> DialPlans { get; set; } = [];

    /// <summary>The scripts' prompt names (prompt1…) as WAV files or shipped prompt names (prompt:goodbye).</summary>
    public Dictionary<string, string> Prompts { get; set; } = [];

    /// <summary>Seconds scripts ring before answering (day; night answers at once).</summary>
    public int AnswerDelaySeconds { get; set; }

    /// <summary>Extensions that may use the night-mode code without a PIN.</summary>
    public List<string> Operators { get; set; } = [];
}

/// <summary>One mode (Day or Night) of an auto attendant.</summary>
public sealed class AttendantModeSettings
{
    /// <summary>A WAV (8 kHz mono 16-bit or G.711); null: a spoken greeting that lists the menu.</summary>
    public string? Greeting { get; set; }

    /// <summary>Key → target (1 → 500, 9 → vm101).</summary>
    public Dictionary<string, string> Menu { get; set; } = [];

    public bool DialExtensions { get; set; }

    public int TimeoutSeconds { get; set; } = 5;

    public int Retries { get; set; } = 3;

    /// <summary>Where silence goes once the retries are spent; null: goodbye.</summary>
    public string? NoInput { get; set; }

    public int AnswerDelaySeconds { get; set; }
}

/// <summary>Defences (docs/security.md): all on by default.</summary>
public sealed class SecuritySettings
{
    /// <summary>CIDR networks exempt from rate limits and bans (never from authentication). Empty by default.</summary>
    public List<string> TrustedNetworks { get; set; } = [];

    /// <summary>Failed authentications in a minute, from one source or against one user, that get a source banned.</summary>
    public int AuthFailuresPerMinute { get; set; } = 10;

    /// <summary>First ban in seconds; repeat offenders get twice the previous ban, up to a day.</summary>
    public int BanSeconds { get; set; } = 900;

    /// <summary>Sustained SIP messages per second from one address (twice this as a burst) before it is banned.</summary>
    public int RequestsPerSecondPerSource { get; set; } = 250;

    /// <summary>Server / User-Agent header; overrides Sip:ServerHeader. No version by default.</summary>
    public string? ServerHeader { get; set; }
}

public sealed class SipSettings
{
    public static readonly string[] DefaultListen = ["udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"];

    public string Domain { get; set; } = "pbx.test";

    /// <summary>Listen addresses: <c>udp:127.0.0.1:5060</c>, <c>tcp:[::1]:5060</c>. Loopback by default: nothing is exposed until configured.</summary>
    public List<string> Listen { get; set; } = [];

    /// <summary>
    /// The office router's public address, written in Via, Contact, Record-Route and SDP toward peers outside
    /// <see cref="LocalNetworks"/> when Anchor is behind its NAT; <c>stun:HOST[:PORT]</c> to ask a STUN server for it;
    /// null when not behind a NAT.
    /// </summary>
    public string? ExternalAddress { get; set; }

    /// <summary>The STUN server of <c>ExternalAddress = "stun:HOST[:PORT]"</c> (port 3478 when none); null for anything else.</summary>
    public static (string Host, int Port)? StunServer(string? externalAddress)
    {
        if (externalAddress is null || !externalAddress.StartsWith("stun:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string rest = externalAddress[5..];
        string host = rest;
        string? port = null;
        if (rest.StartsWith('[') && rest.IndexOf(']') is int close and > 0)
        {
            host = rest[1..close];
            port = rest.Length > close + 1 && rest[close + 1] == ':' ? rest[(close + 2)..] : rest.Length > close + 1 ? "" : null;
        }
        else if (rest.Count(c => c == ':') == 1)
        {
            host = rest[..rest.IndexOf(':')];
            port = rest[(rest.IndexOf(':') + 1)..];
        }

        if (port is null)
        {
            return (host, 3478);
        }

        return int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536
            ? (host, p)
            : (string.Empty, 0); // the validator names it
    }

    /// <summary>The office's networks as CIDRs (Asterisk's local_net); empty: RFC 1918, loopback and link-local.</summary>
    public List<string> LocalNetworks { get; set; } = [];

    /// <summary>Server / User-Agent header. No version by default: give scanners nothing.</summary>
    public string ServerHeader { get; set; } = "Anchor";

    /// <summary>Digest algorithms offered to phones, in order: MD5 and/or SHA-256 (RFC 8760).</summary>
    public List<string> DigestAlgorithms { get; set; } = [];

    public int MinExpires { get; set; } = 60;

    public int MaxExpires { get; set; } = 3600;

    /// <summary>Timer C: seconds a ringing branch may go without a final answer before it is CANCELed (RFC 3261 §16.8).</summary>
    public int TimerCSeconds { get; set; } = 180;

    /// <summary>Seconds between keep-alive OPTIONS to each registered contact.</summary>
    public int KeepAliveSeconds { get; set; } = 25;

    /// <summary>UDP received in recvmmsg batches on 64-bit Linux (false: one ReceiveFrom per datagram, the portable path).</summary>
    public bool UdpFastPath { get; set; } = true;
}

public sealed class MediaSettings
{
    /// <summary>Address the relay binds; by default the address of the first Sip:Listen entry.</summary>
    public string? Address { get; set; }

    /// <summary>Relay ports, LOW-HIGH: RTP on even ports, RTCP on the next odd one, two pairs per call.</summary>
    public string PortRange { get; set; } = "20000-20999";

    /// <summary>
    /// Auto (trunk calls and calls with a party away from the LAN or behind a NAT), Trunk (ITSP calls only), Always, or
    /// Never.
    /// </summary>
    public string Anchor { get; set; } = "Auto";

    /// <summary>The public address written in SDP toward peers outside Sip:LocalNetworks; null: Sip:ExternalAddress.</summary>
    public string? ExternalAddress { get; set; }

    /// <summary>A party that should be sending but sends nothing (RTP or RTCP) for this long ends the call with BYE on both legs.</summary>
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>Relay threads (each call on one); 0: one per core, at most four.</summary>
    public int Threads { get; set; }

    /// <summary>Folder of the spoken prompts (WAV, 8 kHz mono); null: the shipped English set beside the executable.</summary>
    public string? Prompts { get; set; }

    /// <summary>Music on hold: WAV files or folders of them, played in turn and looped; empty: the shipped track.</summary>
    public List<string> MusicOnHold { get; set; } = [];
}

public sealed class StorageSettings
{
    public string Provider { get; set; } = "Sqlite";

    public string ConnectionString { get; set; } = "Data Source=data/anchor.db";

    /// <summary>Where generated secrets and voicemail audio live: by default beside the SQLite file, or <c>data</c> with PostgreSQL.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>The provider <paramref name="name"/> names (Sqlite, Postgres or PostgreSQL, any case); null for another.</summary>
    public static Anchor.Pbx.Storage.StorageProvider? ProviderOf(string? name) => name?.ToUpperInvariant() switch
    {
        "SQLITE" => Anchor.Pbx.Storage.StorageProvider.Sqlite,
        "POSTGRES" or "POSTGRESQL" => Anchor.Pbx.Storage.StorageProvider.Postgres,
        _ => null,
    };

    /// <summary>Call records older than this many days are purged (daily); 0 keeps them for ever.</summary>
    public int CallRecordDays { get; set; } = 365;
}

public sealed class HttpSettings
{
    public string? Listen { get; set; } = "http://127.0.0.1:8080";

    /// <summary>The admin account's password for unattended installs; when unset, one is generated on first start and printed once.</summary>
    public string? AdminPassword { get; set; }
}

public sealed class ExtensionSettings
{
    public string? Number { get; set; }

    public string? Password { get; set; }

    public string? Name { get; set; }

    /// <summary>Classes of numbers it may dial out (Internal, Emergency, Local, National, International, Premium); null: all but International and Premium.</summary>
    public List<string>? Allow { get; set; }

    /// <summary>Outbound calls it may hold at once (0: no limit).</summary>
    public int MaxCalls { get; set; } = 2;

    public MailboxSettings Voicemail { get; set; } = new();

    public ForwardSettings Forward { get; set; } = new();

    /// <summary>Do-not-disturb from the start (the phone's *78/*79 change it).</summary>
    public bool Dnd { get; set; }

    /// <summary>Extensions with the same group answer each other's ringing calls with the group pickup code.</summary>
    public string? PickupGroup { get; set; }
}

public sealed class TrunkSettings
{
    public string? Name { get; set; }

    public string? Proxy { get; set; }

    public string? Domain { get; set; }

    public string? Username { get; set; }

    public string? AuthUsername { get; set; }

    public string? Password { get; set; }

    public bool Register { get; set; } = true;

    public int RegisterExpires { get; set; } = 300;

    public List<string> Dids { get; set; } = [];

    public string? Inbound { get; set; }

    public string? CallerId { get; set; }

    public int MaxCalls { get; set; }

    /// <summary>Seconds an INVITE to the ITSP may go without any response (not even 100) before the phone gets 503.</summary>
    public int ResponseTimeoutSeconds { get; set; } = 5;

    /// <summary>Seconds between OPTIONS to the proxy that keep the office router's NAT mapping open (the SPA9000's NAT Keep Alive: 15); 0: off.</summary>
    public int KeepAliveSeconds { get; set; }
}

public sealed class DialPlanRuleSettings
{
    public string? Pattern { get; set; }

    public string? Trunk { get; set; }

    /// <summary>What the matched numbers are, for permissions: Emergency, Local, National (default), International, Premium.</summary>
    public string Class { get; set; } = "National";
}
