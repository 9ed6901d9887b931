using System.Net;
using Anchor.Sip.Editing;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using BenchmarkDotNet.Attributes;

namespace Anchor.Benchmarks;

/// <summary>
/// The SIP stack's per-message costs (issue: "The SIP stack and the repository's foundations"). Each parse benchmark reads
/// every value a registrar or proxy needs, so the lazy parts are paid for too.
/// </summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private SipMessage _invite = null!;
    private ReceivedFrom _from;

    [GlobalSetup]
    public void Setup()
    {
        _invite = SipParser.ParseDatagram(Messages.Invite).Message!;
        _from = new ReceivedFrom(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 40123), TransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5060));
    }

    [Benchmark(Description = "INVITE: parse + read proxy headers")]
    public int ParseInvite()
    {
        SipMessage m = SipParser.ParseDatagram(Messages.Invite).Message!;
        int sum = m.RequestUri.User.Length + m.RequestUri.Host.Length + m.RequestUri.Port;
        SipVia via = m.TopVia;
        sum += via.Branch.Length + via.Host.Length + via.Port + via.RPort + m.ViaCount;
        sum += m.From.Tag.Length + m.To.Tag.Length + m.From.Uri.User.Length + m.To.Uri.User.Length;
        sum += m.CallId.Length + (int)m.CSeq + (int)m.CSeqMethod + m.MaxForwards + m.ContentLength + m.Body.Length;
        if (m.TryGetContact(out NameAddress c))
        {
            sum += c.Uri.Host.Length + c.Uri.Port;
        }

        foreach (var route in m.EnumerateValues(HeaderKind.Route))
        {
            if (m.TryParseNameAddress(route, out NameAddress r) && r.Uri.IsLooseRouter)
            {
                sum += r.Uri.Host.Length;
            }
        }

        if (m.TryGetHeader(HeaderKind.ProxyAuthorization, out ReadOnlySpan<byte> auth))
        {
            sum += auth.Length;
        }

        if (m.TryGetHeader(HeaderKind.ContentType, out ReadOnlySpan<byte> ct))
        {
            sum += ct.Length;
        }

        sum += m.HasOptionTag(HeaderKind.Require, "100rel"u8) ? 1 : 0;
        return sum;
    }

    [Benchmark(Description = "REGISTER: parse + read registrar headers")]
    public long ParseRegister()
    {
        SipMessage m = SipParser.ParseDatagram(Messages.Register).Message!;
        long sum = m.To.Uri.User.Length + m.To.Uri.Host.Length + m.CallId.Length + m.CSeq + m.Expires + m.TopVia.Branch.Length;
        foreach (var item in m.EnumerateValues(HeaderKind.Contact))
        {
            if (m.TryParseNameAddress(item, out NameAddress c))
            {
                sum += c.Expires + c.Uri.Port + c.Uri.Host.Length;
                if (c.TryGetParameter("+sip.instance"u8, out ReadOnlySpan<byte> inst))
                {
                    sum += inst.Length;
                }
            }
        }

        if (m.TryGetHeader(HeaderKind.Authorization, out ReadOnlySpan<byte> auth))
        {
            sum += auth.Length;
        }

        return sum;
    }

    [Benchmark(Description = "Response: build 180 to the INVITE")]
    public byte[] BuildResponse() => SipResponseBuilder.Build(_invite, 180, "Ringing", _from, "a6c85cf");

    [Benchmark(Description = "Proxy edits: Via, Record-Route, Route, Max-Forwards, R-URI")]
    public byte[] ProxyEdits() => new MessageEditor(_invite)
        .StampTopVia(_from.Remote)
        .PushVia("SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKanchor1"u8)
        .AddRecordRoute("<sip:198.51.100.1:5060;lr>"u8)
        .RemoveFirstRoute()
        .DecrementMaxForwards()
        .SetRequestUri("sip:102@192.0.2.20:5070"u8)
        .ToArray();
}
