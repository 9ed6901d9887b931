using System.Text;
using Anchor.Sip.Editing;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Anchor.Sip.Tests.Parsing;

/// <summary>Generated messages: serialise → parse gives back every field; no-op edits are byte-exact; any chunking of a stream frames the same.</summary>
public class RoundTripProperties
{
    public sealed record Generated(
        string Method, string User, string Host, int Port, string Branch, string Transport, bool RPort,
        string FromTag, string? ToTag, string CallId, uint CSeq, int MaxForwards, string? Display,
        List<(string Name, string Value)> Extra, byte[] Body, bool CompactForms)
    {
        public string Text()
        {
            var sb = new StringBuilder();
            string port = Port == 0 ? "" : $":{Port}";
            sb.Append(Method).Append(" sip:").Append(User).Append('@').Append(Host).Append(port).Append(" SIP/2.0\r\n");
            sb.Append(CompactForms ? "v: " : "Via: ").Append("SIP/2.0/").Append(Transport).Append(' ').Append(Host).Append(port)
                .Append(";branch=").Append(Branch).Append(RPort ? ";rport" : "").Append("\r\n");
            sb.Append(CompactForms ? "f: " : "From: ").Append(Display is null ? "" : $"\"{Display}\" ").Append("<sip:caller@").Append(Host).Append(">;tag=").Append(FromTag).Append("\r\n");
            sb.Append(CompactForms ? "t: " : "To: ").Append("<sip:").Append(User).Append('@').Append(Host).Append('>').Append(ToTag is null ? "" : ";tag=" + ToTag).Append("\r\n");
            sb.Append(CompactForms ? "i: " : "Call-ID: ").Append(CallId).Append("\r\n");
            sb.Append("CSeq: ").Append(CSeq).Append(' ').Append(Method).Append("\r\n");
            sb.Append("Max-Forwards: ").Append(MaxForwards).Append("\r\n");
            foreach (var (n, v) in Extra)
            {
                sb.Append(n).Append(": ").Append(v).Append("\r\n");
            }

            sb.Append(CompactForms ? "l: " : "Content-Length: ").Append(Body.Length).Append("\r\n\r\n");
            return sb.ToString();
        }

        public byte[] Bytes() => [.. Encoding.UTF8.GetBytes(Text()), .. Body];
    }

    private static Gen<string> TokenOf(string alphabet, int min, int max) =>
        from n in Gen.Choose(min, max)
        from cs in Gen.Elements(alphabet.ToCharArray()).ArrayOf(n)
        select new string(cs);

    private const string Alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private static Arbitrary<Generated> Messages()
    {
        Gen<(string, string)> extra =
            from name in TokenOf(Alnum + "-", 1, 20).Where(n => HeaderNames.Lookup(Encoding.ASCII.GetBytes(n)) == HeaderKind.Unknown && n.Length > 1)
            from value in TokenOf(Alnum + " -.;=,:/<>@", 0, 60).Select(v => v.Trim())
            select (name, value);

        Gen<Generated> gen =
            from method in Gen.Elements("INVITE", "REGISTER", "OPTIONS", "BYE", "MESSAGE", "SUBSCRIBE", "NEWMETHOD")
            from user in TokenOf(Alnum + "-_.!~*'()&=+$,;?/", 1, 24)
            from host in Gen.Elements("pbx.test", "192.0.2.1", "[2001:db8::1]", "a-b.example.com")
            from port in Gen.Elements(0, 5060, 5080, 65535)
            from branch in TokenOf(Alnum + "-.!%*_+`'~", 1, 30).Select(b => "z9hG4bK" + b)
            from transport in Gen.Elements("UDP", "TCP", "TLS")
            from rport in Gen.Elements(true, false)
            from fromTag in TokenOf(Alnum, 1, 16)
            from toTag in Gen.Elements<string?>(null, "t1", "abc-def")
            from callId in TokenOf(Alnum + "-.!%*_+`'~()<>:\\\"/[]?{}", 1, 40).Select(c => c + "@host")
            from cseq in Gen.Choose(0, int.MaxValue).Select(c => (uint)c * 2u)
            from mf in Gen.Choose(0, 255)
            from display in Gen.Elements<string?>(null, "Alice", "Bob Smith", "J \\\"Q\\\" Public")
            from extras in extra.ListOf().Select(l => l.Take(8).ToList())
            from body in Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf().Select(a => a.Take(300).ToArray())
            from compact in Gen.Elements(true, false)
            select new Generated(method, user, host, port, branch, transport, rport, fromTag, toTag, callId, cseq, mf, display, extras, body, compact);
        return gen.ToArbitrary();
    }

    [Property(MaxTest = 500)]
    public Property Serialise_then_parse_gives_back_every_field() => Prop.ForAll(Messages(), g =>
    {
        SipParseResult r = SipParser.ParseDatagram(g.Bytes());
        if (r.Status != SipParseStatus.Complete)
        {
            return false.Label($"{r.Status} {r.ErrorReason}\n{g.Text()}");
        }

        SipMessage m = r.Message!;
        string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);
        bool ok = S(m.MethodBytes) == g.Method
            && m.RequestUri.UserUnescaped == Escaping.Unescape(Encoding.UTF8.GetBytes(g.User))
            && m.RequestUri.HostString == g.Host && m.RequestUri.Port == g.Port
            && S(m.TopVia.Branch) == g.Branch && m.TopVia.RPort == (g.RPort ? 0 : -1)
            && S(m.From.Tag) == g.FromTag && (g.ToTag is null ? !m.To.HasTag : S(m.To.Tag) == g.ToTag)
            && m.CallIdString == g.CallId && m.CSeq == g.CSeq && m.MaxForwards == g.MaxForwards
            && (g.Display is null ? m.From.DisplaySegment.IsEmpty : S(m.From.Display) == g.Display)
            && m.BodySpan.SequenceEqual(g.Body)
            && g.Extra.All(e => m.GetHeaderString(e.Name) is string v && (g.Extra.First(x => x.Name.Equals(e.Name, StringComparison.OrdinalIgnoreCase)).Value == v));
        return ok.Label(g.Text());
    });

    [Property(MaxTest = 300)]
    public Property No_op_edit_is_byte_exact_and_proxy_edits_reparse() => Prop.ForAll(Messages(), g =>
    {
        byte[] bytes = g.Bytes();
        SipMessage m = SipParser.ParseDatagram(bytes).Message!;
        bool same = new MessageEditor(m).ToArray().AsSpan().SequenceEqual(bytes);
        byte[] edited = new MessageEditor(m).PushVia("SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKp"u8).DecrementMaxForwards()
            .AddRecordRoute("<sip:127.0.0.1;lr>"u8).ToArray();
        SipParseResult e = SipParser.ParseDatagram(edited);
        return (same && e.Status == SipParseStatus.Complete && e.Message!.ViaCount == 2
            && e.Message.MaxForwards == Math.Max(0, g.MaxForwards - 1) && e.Message.BodySpan.SequenceEqual(g.Body)).Label(g.Text());
    });

    [Property(MaxTest = 200)]
    public Property Any_chunking_of_a_stream_frames_the_same_messages() => Prop.ForAll(Messages(), Gen.Choose(1, 97).ToArbitrary(), (g, chunk) =>
    {
        byte[] one = g.Bytes();
        byte[] stream = [.. "\r\n\r\n"u8, .. one, .. one];
        var buffer = new List<byte>();
        int messages = 0, pings = 0;
        for (int i = 0; i < stream.Length; i += chunk)
        {
            buffer.AddRange(stream.AsSpan(i, Math.Min(chunk, stream.Length - i)).ToArray());
            while (true)
            {
                SipParseStatus s = SipParser.TryFrame(buffer.ToArray(), SipParserLimits.Default, out int skip, out int length, out _);
                if (s == SipParseStatus.KeepAlive)
                {
                    pings++;
                    buffer.RemoveRange(0, skip);
                    continue;
                }

                if (s != SipParseStatus.Complete)
                {
                    break;
                }

                byte[] msg = buffer.Skip(skip).Take(length).ToArray();
                if (!msg.SequenceEqual(one) || SipParser.ParseStream(msg).Status != SipParseStatus.Complete)
                {
                    return false;
                }

                messages++;
                buffer.RemoveRange(0, skip + length);
            }
        }

        return messages == 2 && pings == 1 && buffer.Count == 0;
    });
}
