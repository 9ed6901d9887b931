using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Location;
using Anchor.Pbx.Model;
using Anchor.Pbx.Proxy;
using Anchor.Pbx.Routing;
using Anchor.Pbx.Security;
using Anchor.Pbx.Trunks;
using Vm = Anchor.Pbx.Voicemail;
using Anchor.Sip.Auth;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Anchor.Pbx.Tests;

/// <summary>
/// The whole PBX core (registrar, proxy, router, calls and their applications) over an in-memory transport and a fake
/// clock, as the Sip tests' transaction harness is for the stack: what Anchor sends is recorded, time moves when told,
/// no socket anywhere. Media is direct (no relay), so every call flow is pure signalling.
/// </summary>
internal sealed class PbxHarness : ISipSender, IDisposable
{
    public static readonly IPEndPoint Anchor = new(IPAddress.Loopback, 5060);
    public static readonly IPEndPoint Itsp = new(IPAddress.Parse("192.0.2.50"), 5060);
    public static readonly Dictionary<string, string> Passwords = new() { ["101"] = "alice-secret-101", ["102"] = "bob-secret-102", ["103"] = "carol-secret-103" };
    public const string Did = "15551230000";

    private readonly DateTimeOffset _start = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    public Registrar.Registrar Registrar { get; }

    /// <param name="voicemail">Mailboxes (SQLite in a temporary folder) and message waiting, as the host sets them up.</param>
    public PbxHarness(MediaAnchoring anchoring = MediaAnchoring.Trunk, bool voicemail = false, bool relay = false)
    {
        Clock = new FakeTimeProvider(_start);
        ILogger log = new ListLogger(Log);
        Options = new PbxOptions
        {
            Domain = "pbx.test",
            MediaAnchoring = anchoring,
            TimerC = TimeSpan.FromSeconds(30),
        };
        Location = new LocationService(new MemoryStore(), Clock);
        var local = new LocalAddresses(() => [new SipEndPoint(TransportKind.Udp, Anchor)], "pbx.test", null);
        Trunk = new Trunk(new TrunkOptions
        {
            Name = "itsp",
            Proxy = new SipEndPoint(TransportKind.Udp, Itsp),
            Domain = "itsp.test",
            Username = "anchor1",
            Password = "trunk-secret",
            Dids = [Did],
            Inbound = "101",
            CallerId = Did,
        });
        var dialPlan = new DialPlan([new DialPlanRule(DigitMap.Parse("(<9:>1900xxxxxxx!|<9:>1xxxxxxxxxx)"), "itsp"),
            new DialPlanRule(DigitMap.Parse("<9:>011x."), "itsp", DialClass.International)]);
        Config = new SnapshotSource(new PbxSnapshot(Passwords.Select(p => new Extension(p.Key, p.Value, "Ext " + p.Key)), dialPlan, [Trunk], new FeatureCodes()));
        var auth = new ExtensionAuth(new DigestAuthenticator("pbx.test", null, Clock, u => local.NamesUs(u)), Config, log);
        Router = new Router(Options, Location, Config, haveRelay: relay, log, Clock);
        if (voicemail)
        {
            _dir = Directory.CreateTempSubdirectory("anchor-harness-").FullName;
            _store = new Vm.VoicemailStore($"Data Source={Path.Combine(_dir, "anchor.db")}");
            Mailboxes = new Vm.Mailboxes(_store, Path.Combine(_dir, "voicemail"), Config, new Dictionary<string, string>(), Clock, log);
            Mwi = new Vm.MessageWaiting(Mailboxes, Location, local, "pbx.test", "Anchor", unsolicited: true, "*97", log);
            Router.Mwi = Mwi;
        }

        Calls = new CallHost(Options, local, relay: null, log, Clock) { Mailboxes = Mailboxes, Router = Router };
        var proxy = new ProxyCore(Options, auth, Location, local, new DialogTokens(new byte[32]), log) { Router = Router, Calls = Calls };
        Registrar = new Registrar.Registrar(Options, auth, Location, Clock, log);
        var core = new PbxCore(Registrar, proxy, local) { Calls = Calls, Router = Router, Mwi = Mwi };
        Layer = new TransactionLayer(this, core, Clock);
        proxy.Transactions = Layer;
        Calls.Transactions = Layer;
        if (Mwi is not null)
        {
            Mwi.Transactions = Layer;
        }
    }

    private readonly string? _dir;
    private readonly Vm.VoicemailStore? _store;

    public FakeTimeProvider Clock { get; }

    public Vm.Mailboxes? Mailboxes { get; }

    public Vm.MessageWaiting? Mwi { get; }

    public PbxOptions Options { get; }

    public SnapshotSource Config { get; }

    public LocationService Location { get; }

    public Router Router { get; }

    public CallHost Calls { get; }

    public Trunk Trunk { get; }

    public TransactionLayer Layer { get; }

    public ConcurrentQueue<string> Log { get; } = new();

    public ConcurrentQueue<(SipMessage Message, SipEndPoint To)> Sent { get; } = new();

    public ValueTask<bool> SendAsync(ReadOnlyMemory<byte> message, SipEndPoint destination)
    {
        SipParseResult r = SipParser.ParseDatagram(message.ToArray());
        Assert.Equal(SipParseStatus.Complete, r.Status);
        Sent.Enqueue((r.Message!, destination));
        return ValueTask.FromResult(true);
    }

    /// <summary>A registered phone for <paramref name="extension"/> at <paramref name="at"/>.</summary>
    /// <param name="contact">What the phone writes in its Contact, when not where it registers from (a NAT rewrote its source).</param>
    public void Register(string extension, IPEndPoint at, IPEndPoint? contactAt = null)
    {
        string contact = $"sip:{extension}@{contactAt ?? at}";
        var b = new Binding(extension, contact, Clock.GetUtcNow().AddHours(1), "reg-" + extension, 1, new SipEndPoint(TransportKind.Udp, at), 1000, null, "test");
        Location.Update<int>(extension, list =>
        {
            list.Add(b);
            return (0, [(contact, b)]);
        });
    }

    /// <summary>Delivers a message as if it came from <paramref name="from"/>.</summary>
    public void Receive(string text, IPEndPoint from) => Receive(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n")), from);

    public void Receive(byte[] bytes, IPEndPoint from)
    {
        SipParseResult r = SipParser.ParseDatagram(bytes);
        Assert.True(r.Status == SipParseStatus.Complete, r.ErrorReason);
        Layer.OnMessage(r.Message!, new ReceivedFrom(from, TransportKind.Udp, Anchor));
    }

    /// <summary>
    /// What Anchor sent since the last call (oldest first), once it has settled: calls run on their gates (thread-pool
    /// work), so this waits until nothing more has been sent for a moment (at most two seconds).
    /// </summary>
    public List<(SipMessage Message, SipEndPoint To)> TakeSent()
    {
        var list = new List<(SipMessage, SipEndPoint)>();
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        var total = System.Diagnostics.Stopwatch.StartNew();
        while (quiet.ElapsedMilliseconds < 40 && total.ElapsedMilliseconds < 2000)
        {
            if (Sent.TryDequeue(out var s))
            {
                list.Add(s);
                quiet.Restart();
            }
            else
            {
                Thread.Sleep(2);
            }
        }

        return list;
    }

    /// <summary>What Anchor sent until <paramref name="done"/> holds for one message (at most two seconds), and what followed it.</summary>
    public List<(SipMessage Message, SipEndPoint To)> TakeSentUntil(Func<(SipMessage Message, SipEndPoint To), bool> done)
    {
        var list = new List<(SipMessage, SipEndPoint)>();
        var total = System.Diagnostics.Stopwatch.StartNew();
        while (total.ElapsedMilliseconds < 2000 && !list.Any(done))
        {
            list.AddRange(TakeSent());
        }

        return list;
    }

    /// <summary>Swaps in a snapshot with the extensions changed by <paramref name="edit"/> and these hunt groups.</summary>
    public void Reconfigure(Func<Extension, Extension>? edit = null, IEnumerable<Anchor.Pbx.Hunting.HuntGroup>? groups = null,
        IReadOnlyDictionary<string, IReadOnlyList<Anchor.Pbx.Hunting.ContactRule>>? contactLists = null, Anchor.Pbx.Park.ParkOptions? park = null)
    {
        PbxSnapshot c = Config.Current;
        Config.Swap(new PbxSnapshot(c.Extensions.Values.Select(e => edit?.Invoke(e) ?? e), c.DialPlan, c.Trunks.Values, c.FeatureCodes,
            c.AutoAttendants.Values, c.Voicemail, groups, contactLists, park ?? c.Park));
    }

    public void Advance(TimeSpan by)
    {
        for (TimeSpan t = TimeSpan.Zero; t < by; t += TimeSpan.FromMilliseconds(50))
        {
            Clock.Advance(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>
    /// Extension <paramref name="caller"/> sends an INVITE for <paramref name="target"/> from <paramref name="phone"/>:
    /// once, takes the 407, then again with credentials (SIPp's flow). Returns what Anchor sent after the second.
    /// </summary>
    public List<(SipMessage Message, SipEndPoint To)> Invite(string caller, string target, IPEndPoint phone, string callId, string? sdp = null)
    {
        Receive(InviteText(caller, target, phone, callId, 1, null, sdp), phone);
        SipMessage challenge = TakeSent().Select(s => s.Message).Single(m => m.StatusCode == 407);
        string creds = new DigestClient(caller, Passwords[caller]).Answer(challenge, "INVITE", $"sip:{target}@pbx.test")!.Value.Value;
        Receive(InviteText(caller, target, phone, callId, 2, creds, sdp), phone);
        return TakeSent();
    }

    public static string InviteText(string caller, string target, IPEndPoint phone, string callId, uint cseq, string? creds, string? sdp = null) =>
        $"INVITE sip:{target}@pbx.test SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP {phone};branch=z9hG4bK{callId}{cseq};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        $"From: \"Ext {caller}\" <sip:{caller}@pbx.test>;tag={callId}-tag\r\n" +
        $"To: <sip:{target}@pbx.test>\r\n" +
        $"Call-ID: {callId}\r\n" +
        $"CSeq: {cseq} INVITE\r\n" +
        $"Contact: <sip:{caller}@{phone}>\r\n" +
        (creds is null ? "" : $"Proxy-Authorization: {creds}\r\n") +
        (sdp is null ? "Content-Length: 0\r\n\r\n" : $"Content-Type: application/sdp\r\nContent-Length: {sdp.Length}\r\n\r\n{sdp}");

    /// <summary>A response to a request Anchor sent, as the far end would write it.</summary>
    public static string ResponseTo(SipMessage request, int status, string reason, string toTag, string contact, string? sdp = null)
    {
        var sb = new StringBuilder();
        sb.Append($"SIP/2.0 {status} {reason}\r\n");
        for (int i = request.IndexOf(HeaderKind.Via); i >= 0; i = request.IndexOf(HeaderKind.Via, i + 1))
        {
            sb.Append("Via: ").Append(Encoding.ASCII.GetString(request[request.GetHeader(i).Value])).Append("\r\n");
        }

        Copy(sb, request, HeaderKind.From, "From");
        request.TryGetHeader(HeaderKind.To, out ReadOnlySpan<byte> to);
        sb.Append("To: ").Append(Encoding.UTF8.GetString(to)).Append(request.To.HasTag || status == 100 ? "" : ";tag=" + toTag).Append("\r\n");
        Copy(sb, request, HeaderKind.CallId, "Call-ID");
        Copy(sb, request, HeaderKind.CSeq, "CSeq");
        sb.Append($"Contact: <{contact}>\r\n");
        sb.Append(sdp is null ? "Content-Length: 0\r\n\r\n" : $"Content-Type: application/sdp\r\nContent-Length: {sdp.Length}\r\n\r\n{sdp}");
        return sb.ToString();
    }

    /// <summary>A request inside a dialog whose last message from Anchor was <paramref name="fromAnchor"/> (swapping From and To as the far end does).</summary>
    public static string InDialog(string method, string requestUri, SipMessage fromAnchor, bool anchorIsCaller, IPEndPoint self, uint cseq, string? sdp = null)
    {
        fromAnchor.TryGetHeader(HeaderKind.From, out ReadOnlySpan<byte> f);
        fromAnchor.TryGetHeader(HeaderKind.To, out ReadOnlySpan<byte> t);
        string anchorSide = Encoding.UTF8.GetString(anchorIsCaller ? f : t);
        string farSide = Encoding.UTF8.GetString(anchorIsCaller ? t : f);
        return $"{method} {requestUri} SIP/2.0\r\nVia: SIP/2.0/UDP {self};branch=z9hG4bK{Guid.NewGuid():N};rport\r\nMax-Forwards: 70\r\n" +
            $"From: {farSide}\r\nTo: {anchorSide}\r\nCall-ID: {fromAnchor.CallIdString}\r\nCSeq: {cseq} {method}\r\nContact: <sip:far@{self}>\r\n" +
            (sdp is null ? "Content-Length: 0\r\n\r\n" : $"Content-Type: application/sdp\r\nContent-Length: {sdp.Length}\r\n\r\n{sdp}");
    }

    public static string Sdp(string address, int port, string direction = "sendrecv") =>
        $"v=0\r\no=- 1 1 IN IP4 {address}\r\ns=-\r\nc=IN IP4 {address}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na={direction}\r\n";

    private static void Copy(StringBuilder sb, SipMessage m, HeaderKind kind, string name)
    {
        if (m.TryGetHeader(kind, out ReadOnlySpan<byte> v))
        {
            sb.Append(name).Append(": ").Append(Encoding.UTF8.GetString(v)).Append("\r\n");
        }
    }

    public void Dispose()
    {
        Layer.Dispose();
        _store?.Dispose();
        if (_dir is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_dir, recursive: true);
        }
    }

    private sealed class MemoryStore : ILocationStore
    {
        public IReadOnlyList<Binding> LoadAll() => [];

        public void Apply(IReadOnlyList<(string Aor, string ContactUri, Binding? Binding)> changes)
        {
        }

        public int PurgeExpired(DateTimeOffset now) => 0;

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(formatter(state, exception));
    }
}
