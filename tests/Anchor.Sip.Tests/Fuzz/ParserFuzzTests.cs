using System.Diagnostics;
using System.Text;
using Anchor.Sip.Auth;
using Anchor.Sip.Editing;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Uas;

namespace Anchor.Sip.Tests.Fuzz;

/// <summary>
/// A seeded mutator over the RFC 4475 corpus and typical messages: a bounded number of iterations in every test run.
/// Whatever the bytes, the parser returns a status (no exception escapes), finishes (watchdog), and allocates in proportion
/// to the input; everything that parses survives every accessor, the UAS checks, digest verification and the editor.
/// </summary>
public class ParserFuzzTests
{
    private const int Iterations = 60_000;

    private static readonly byte[][] Seeds = LoadSeeds();

    private static byte[][] LoadSeeds()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Corpus", "rfc4475");
        return Directory.GetFiles(dir, "*.dat").Select(File.ReadAllBytes)
            .Append(Samples.Bytes(Samples.Invite)).Append(Samples.Bytes(Samples.Register)).ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Mutated_messages_never_escape_an_exception_hang_or_allocate_without_bound(int seed)
    {
        // The watchdog: a run that does not finish in 3 minutes means some input made the parser loop.
        await Task.Run(() => Run(seed)).WaitAsync(TimeSpan.FromMinutes(3));
    }

    private static void Run(int seed)
    {
        var rng = new Random(seed);
        var caps = new ElementCapabilities();
        var auth = new DigestAuthenticator("example.com");
        int complete = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = Mutate(rng, Seeds[rng.Next(Seeds.Length)]);
            long before = GC.GetAllocatedBytesForCurrentThread();
            SipParseResult r;
            try
            {
                r = SipParser.ParseDatagram(input);
                SipParser.TryFrame(input, SipParserLimits.Default, out _, out _, out _);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"seed {seed} iteration {i}: parser threw on:\n{Printable(input)}", e);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 16_384 + (4L * input.Length), $"seed {seed} iteration {i}: {allocated} bytes for a {input.Length}-byte input");

            if (r.Status == SipParseStatus.Complete)
            {
                complete++;
                Exercise(r.Message!, caps, auth, seed, i, input);
            }
        }

        Assert.True(complete > Iterations / 20, $"only {complete} mutants parsed: the mutator is too destructive to reach deep code");
    }

    private static void Exercise(SipMessage m, ElementCapabilities caps, DigestAuthenticator auth, int seed, int i, byte[] input)
    {
        try
        {
            for (int h = 0; h < m.HeaderCount; h++)
            {
                HeaderField f = m.GetHeader(h);
                _ = m[f.Name];
                _ = m[f.Value];
            }

            foreach (var via in m.EnumerateValues(HeaderKind.Via))
            {
                _ = m.TryParseVia(via, out _);
            }

            foreach (HeaderKind k in new[] { HeaderKind.Contact, HeaderKind.Route, HeaderKind.RecordRoute })
            {
                foreach (var item in m.EnumerateValues(k))
                {
                    if (m.TryParseNameAddress(item, out NameAddress na))
                    {
                        _ = na.Expires;
                        _ = na.QValue;
                        _ = na.Uri.UserUnescaped;
                        na.Uri.TryGetParameter("transport"u8, out _);
                    }
                }
            }

            _ = m.Expires;
            _ = m.RequestUri.UserUnescaped;
            if (m.IsRequest)
            {
                RequestChecks.CheckUas(m, caps);
                RequestChecks.CheckProxy(m, caps);
                auth.Verify(m, proxy: false, _ => "pw");
                byte[] resp = SipResponseBuilder.Build(m, 400, "Bad", ReceivedFrom.None, "t");
                Assert.Equal(SipParseStatus.Complete, SipParser.ParseDatagram(resp).Status);
            }

            byte[] same = new MessageEditor(m).ToArray();
            SipParseResult again = SipParser.ParseDatagram(same);
            Assert.Equal(SipParseStatus.Complete, again.Status);
            byte[] edited = new MessageEditor(m).PushVia("SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKf"u8).PopVia().DecrementMaxForwards().ToArray();
            Assert.Equal(SipParseStatus.Complete, SipParser.ParseDatagram(edited).Status);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"seed {seed} iteration {i}: handling a parsed message threw on:\n{Printable(input)}", e);
        }
    }

    private static readonly string[] Tokens =
    [
        "\r\n", "\r\n ", ";", ",", ":", "<", ">", "\"", "\\", "%", "%00", "@", "[", "]", "=", "?", " ", "\t", "\0", "\xff",
        "99999999999999999999", "-1", "0", "4294967296", "z9hG4bK", ";branch=", ";tag=", ";rport", ";received=", "sip:", "sips:",
        "Via: SIP/2.0/UDP h;branch=z9hG4bKx\r\n", "Content-Length: 5\r\n", "l: 99\r\n", "Contact: *\r\n", "Max-Forwards: 0\r\n",
        "SIP/2.0", "\r\n\r\n",
    ];

    private static byte[] Mutate(Random rng, byte[] seed)
    {
        var b = new List<byte>(seed);
        int ops = rng.Next(1, 5);
        for (int k = 0; k < ops && b.Count > 0; k++)
        {
            int at = rng.Next(b.Count);
            switch (rng.Next(9))
            {
                case 0:
                    b[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    b.RemoveRange(at, Math.Min(rng.Next(1, 16), b.Count - at));
                    break;
                case 2:
                    b.InsertRange(at, Encoding.Latin1.GetBytes(Tokens[rng.Next(Tokens.Length)]));
                    break;
                case 3:
                    b.RemoveRange(at, b.Count - at); // truncation
                    break;
                case 4:
                    b[at] = (byte)rng.Next(256);
                    break;
                case 5:
                {
                    // Duplicate a whole header line, sometimes many times (hundreds of Vias).
                    int start = b.LastIndexOf((byte)'\n', at) + 1;
                    int end = b.IndexOf((byte)'\n', at);
                    if (end > start)
                    {
                        byte[] line = b.GetRange(start, end - start + 1).ToArray();
                        int times = rng.Next(4) == 0 ? rng.Next(50, 300) : 1;
                        for (int t = 0; t < times; t++)
                        {
                            b.InsertRange(start, line);
                        }
                    }

                    break;
                }

                case 6:
                {
                    // Replace a run of digits with an extreme number.
                    int s = b.FindIndex(at, c => c is >= (byte)'0' and <= (byte)'9');
                    if (s >= 0)
                    {
                        int e = s;
                        while (e < b.Count && b[e] is >= (byte)'0' and <= (byte)'9')
                        {
                            e++;
                        }

                        b.RemoveRange(s, e - s);
                        b.InsertRange(s, Encoding.ASCII.GetBytes(rng.Next(3) switch { 0 => "-1", 1 => "18446744073709551616", _ => "0" }));
                    }

                    break;
                }

                case 7:
                    // Splice the tail of another seed.
                    byte[] other = Seeds[rng.Next(Seeds.Length)];
                    int from = rng.Next(other.Length);
                    b.RemoveRange(at, b.Count - at);
                    b.AddRange(other.AsSpan(from).ToArray());
                    break;
                default:
                    b.Insert(at, b[at]);
                    break;
            }
        }

        return b.Count > 70_000 ? b.GetRange(0, 70_000).ToArray() : b.ToArray();
    }

    private static string Printable(byte[] b) =>
        Encoding.Latin1.GetString(b.AsSpan(0, Math.Min(b.Length, 4000))).Replace("\r", "\\r", StringComparison.Ordinal);
}
