using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Anchor.Pbx;
using Anchor.Pbx.Location;
using Anchor.Pbx.Model;
using Anchor.Pbx.Proxy;
using Anchor.Pbx.Routing;
using Anchor.Sip.Auth;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Anchor.Benchmarks;

/// <summary>
/// The whole registrar path as the host runs it, minus the socket: bytes parsed, the transaction layer, digest
/// challenge and verification, the location service (its writer thread, and SQLite when <see cref="Sqlite"/>), and
/// the response bytes handed to the transport. One operation is a phone's registration: REGISTER → 401 → REGISTER
/// with credentials → 200 (the client's MD5 for the credentials is inside the operation too, ~1 µs). Allocation is
/// the process's, so it includes the location writer's.
/// </summary>
[MemoryDiagnoser]
public partial class RegistrarBenchmarks : ISipSender
{
    private static readonly IPEndPoint Local = new(IPAddress.Loopback, 5060);
    private TransactionLayer _layer = null!;
    private LocationService _location = null!;
    private string? _dir;
    private byte[]? _last;
    private int _sent;
    private int _n;

    [Params(false, true)]
    public bool Sqlite { get; set; }

    /// <summary>How many extensions the configuration has (users 200000 up).</summary>
    public int Users { get; set; } = 1000;

    /// <summary>The Expires of every REGISTER (0: the binding is removed as soon as it is made).</summary>
    public int Expires { get; set; } = 3600;

    /// <summary>The location service, for the retained-memory measurement.</summary>
    public LocationService Location => _location;

    /// <summary>
    /// When set, what the server allocated for each request is added up here: [0] the REGISTER without credentials (its
    /// 401), [1] the one with them (its 200). The process's bytes from parsing the request to its answer being sent,
    /// less the benchmark's own copy of the answer. Slow to read (a precise count each time): not for the timed job.
    /// </summary>
    public long[]? ServerAllocated { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new PbxOptions { Domain = "pbx.test" };
        ILocationStore store = new NoStore();
        if (Sqlite)
        {
            _dir = Directory.CreateTempSubdirectory("anchor-bench-").FullName;
            store = new SqlLocationStore($"Data Source={Path.Combine(_dir, "anchor.db")}");
        }

        _location = new LocationService(store, TimeProvider.System, NullLogger.Instance);
        var local = new LocalAddresses(() => [new SipEndPoint(TransportKind.Udp, Local)], "pbx.test", null);
        var config = new SnapshotSource(new PbxSnapshot(
            Enumerable.Range(200000, Users).Select(u => new Extension(u.ToString(System.Globalization.CultureInfo.InvariantCulture), $"secret-{u}", null)),
            new DialPlan([]), [], new FeatureCodes()));
        var auth = new ExtensionAuth(new DigestAuthenticator("pbx.test", null, TimeProvider.System, u => local.NamesUs(u)), config, NullLogger.Instance);
        var router = new Router(options, _location, config, haveRelay: false, NullLogger.Instance);
        var proxy = new ProxyCore(options, auth, _location, local, new DialogTokens(new byte[32]), NullLogger.Instance) { Router = router };
        var core = new PbxCore(new Pbx.Registrar.Registrar(options, auth, _location, TimeProvider.System, NullLogger.Instance), proxy, local) { Router = router };
        _layer = new TransactionLayer(this, core);
        proxy.Transactions = _layer;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _layer.Dispose();
        _location.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Benchmark(Description = "REGISTER → 401 → REGISTER with credentials → 200")]
    public int Register()
    {
        // Every user in turn (RegisterFrom counts _n).
        return RegisterFrom(200000 + ((_n + 1) % Users), 40000);
    }

    /// <summary>One registration of <paramref name="number"/> from 127.0.0.1:<paramref name="port"/>.</summary>
    public int RegisterFrom(int number, int port)
    {
        int n = ++_n;
        string user = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var phone = new IPEndPoint(IPAddress.Loopback, port);
        string challenge = Send(Request(user, port, n, 1, null), phone, 0);
        string nonce = NonceOf().Match(challenge).Groups[1].Value;
        string ha1 = Md5($"{user}:pbx.test:secret-{user}");
        string ha2 = Md5("REGISTER:sip:pbx.test");
        string response = Md5($"{ha1}:{nonce}:00000001:c{n}:auth:{ha2}");
        string auth = $"Digest username=\"{user}\", realm=\"pbx.test\", nonce=\"{nonce}\", uri=\"sip:pbx.test\", response=\"{response}\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c{n}\"";
        string ok = Send(Request(user, port, n, 2, auth), phone, 1);
        return ok.StartsWith("SIP/2.0 200", StringComparison.Ordinal) ? 200 : throw new InvalidOperationException(ok);
    }

    private string Send(byte[] request, IPEndPoint phone, int step)
    {
        int before = Volatile.Read(ref _sent);
        long allocated = ServerAllocated is null ? 0 : GC.GetTotalAllocatedBytes(precise: true);
        _layer.OnMessage(SipParser.ParseDatagram(request).Message!, new ReceivedFrom(phone, TransportKind.Udp, Local));
        var spin = default(SpinWait);
        while (Volatile.Read(ref _sent) == before)
        {
            spin.SpinOnce(); // the 200 leaves from the location writer once the binding is committed
        }

        if (ServerAllocated is { } sum)
        {
            sum[step] += GC.GetTotalAllocatedBytes(precise: true) - allocated - (Volatile.Read(ref _last)!.Length + 24);
        }

        return Encoding.ASCII.GetString(Volatile.Read(ref _last)!);
    }

    private byte[] Request(string user, int port, int n, int cseq, string? auth) => Encoding.ASCII.GetBytes(
        $"REGISTER sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-{n}-{cseq};rport\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:{user}@pbx.test>;tag={n}\r\nTo: <sip:{user}@pbx.test>\r\nCall-ID: reg-{n}@bench\r\nCSeq: {cseq} REGISTER\r\n" +
        $"Contact: <sip:{user}@127.0.0.1:{port}>\r\nUser-Agent: Cisco/SPA504G-7.6.2b\r\nExpires: {Expires}\r\n{(auth is null ? "" : $"Authorization: {auth}\r\n")}Content-Length: 0\r\n\r\n");

    private static string Md5(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(s)));

    [GeneratedRegex("nonce=\"([^\"]+)\"")]
    private static partial Regex NonceOf();

    ValueTask<bool> ISipSender.SendAsync(ReadOnlyMemory<byte> message, SipEndPoint destination)
    {
        Volatile.Write(ref _last, message.ToArray());
        Interlocked.Increment(ref _sent);
        return ValueTask.FromResult(true);
    }

    private sealed class NoStore : ILocationStore
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
}
