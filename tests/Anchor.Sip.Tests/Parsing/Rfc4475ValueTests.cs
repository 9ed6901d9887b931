using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Uas;

namespace Anchor.Sip.Tests.Parsing;

/// <summary>The values RFC 4475 names for its valid messages.</summary>
public class Rfc4475ValueTests
{
    private static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    [Fact]
    public void Wsinv_folding_lws_compact_forms_and_leading_zeros()
    {
        SipMessage m = Corpus.ParseValid("wsinv.dat");
        Assert.Equal(SipMethod.Invite, m.Method);
        Assert.Equal("sip:vivekg@chair-dnrc.example.com;unknownparam", S(m[m.RequestUriSegment]));
        Assert.Equal("vivekg", S(m.RequestUri.User));
        Assert.Equal("1918181833n", S(m.To.Tag));
        Assert.Equal("98asjd8", S(m.From.Tag));
        Assert.Equal("J Rosenberg \\\\\\\"", S(m.From.Display));
        Assert.Equal(68, m.MaxForwards);
        Assert.Equal(9u, m.CSeq);
        Assert.Equal(SipMethod.Invite, m.CSeqMethod);
        Assert.Equal(150, m.ContentLength);
        Assert.Equal(150, m.Body.Length);
        Assert.Equal("wsinv.ndaksdj@192.0.2.1", m.CallIdString);
        Assert.Equal(3, m.ViaCount);
        Assert.Equal("192.0.2.2", m.TopVia.HostString);
        Assert.Equal(TransportKind.Udp, m.TopVia.Transport);
        Assert.Equal("390skdjuw", S(m.TopVia.Branch));
        Assert.False(m.TopVia.HasRfc3261Branch);

        var vias = m.EnumerateValues(HeaderKind.Via).ToList(m);
        Assert.Equal(3, vias.Count);
        Assert.True(m.TryParseVia(vias[1], out SipVia second));
        Assert.Equal(TransportKind.Tcp, second.Transport);
        Assert.Equal("spindle.example.com", second.HostString);
        Assert.Equal("z9hG4bK9ikj8", S(second.Branch));
        Assert.True(m.TryParseVia(vias[2], out SipVia third));
        Assert.Equal("z9hG4bK30239", S(third.Branch));

        Assert.True(m.TryGetContact(out NameAddress contact));
        Assert.Equal("Quoted string \\\"\\\"", S(contact.Display));
        Assert.Equal(330, contact.QValue);
        Assert.True(contact.TryGetParameter("newparam"u8, out ReadOnlySpan<byte> np));
        Assert.Equal("newvalue", S(np));
        Assert.True(contact.TryGetParameter("secondparam"u8, out ReadOnlySpan<byte> sp) && sp.IsEmpty);

        Assert.True(m.TryGetHeader("NewFangledHeader"u8, out ReadOnlySpan<byte> nf));
        Assert.Equal("newfangled value\r\n continued newfangled value", S(nf));
        Assert.True(m.TryGetHeader("UnknownHeaderWithUnusualValue"u8, out ReadOnlySpan<byte> uh));
        Assert.Equal(";;,,;;,;", S(uh));
        Assert.True(m.TryGetHeader(HeaderKind.Subject, out ReadOnlySpan<byte> subj) && subj.IsEmpty);

        var routes = m.EnumerateValues(HeaderKind.Route).ToList(m);
        Assert.Single(routes);
        Assert.True(m.TryParseNameAddress(routes[0], out NameAddress route));
        Assert.True(route.Uri.IsLooseRouter);
        Assert.Equal("services.example.com", route.Uri.HostString);
    }

    [Fact]
    public void Intmeth_keeps_unusual_tokens_and_nul_in_quoted_display_name()
    {
        SipMessage m = Corpus.ParseValid("intmeth.dat");
        Assert.Equal(SipMethod.Unknown, m.Method);
        Assert.Equal("!interesting-Method0123456789_*+`.%indeed'~", S(m.MethodBytes));
        Assert.Equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", S(m.RequestUri.User));
        Assert.Contains((byte)0, m.To.Display.ToArray());
        Assert.Equal("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", m.CallIdString);
        Assert.Equal(255, m.MaxForwards);
        Assert.Equal(501, RequestChecks.CheckUas(m, Corpus.Uas)!.Status);
    }

    [Fact]
    public void Esc01_user_unescapes_only_in_uri_components()
    {
        SipMessage m = Corpus.ParseValid("esc01.dat");
        Assert.Equal("sips:user@example.com", m.RequestUri.UserUnescaped);
        Assert.Equal("user", m.To.Uri.UserUnescaped);
        Assert.Equal("I have spaces", m.From.Uri.UserUnescaped);
        Assert.True(m.TryGetContact(out NameAddress c));
        Assert.Equal("caller", c.Uri.UserUnescaped);
    }

    [Fact]
    public void Escnull_registers_two_distinct_contacts_without_truncation()
    {
        SipMessage m = Corpus.ParseValid("escnull.dat");
        Assert.Equal("null-\0-null", m.To.Uri.UserUnescaped);
        var contacts = new List<NameAddress>();
        Assert.True(m.TryGetContacts(contacts));
        Assert.Equal(2, contacts.Count);
        Assert.Equal("\0", contacts[0].Uri.UserUnescaped);
        Assert.Equal("\0\0", contacts[1].Uri.UserUnescaped);
    }

    [Fact]
    public void Esc02_method_with_percent_is_not_register()
    {
        SipMessage m = Corpus.ParseValid("esc02.dat");
        Assert.Equal(SipMethod.Unknown, m.Method);
        Assert.Equal(2, m.Count(HeaderKind.Contact)); // C%6Fntact is not Contact
        Assert.True(m.TryGetHeader("C%6Fntact"u8, out _));
    }

    [Fact]
    public void Longreq_long_values_and_many_vias()
    {
        SipMessage m = Corpus.ParseValid("longreq.dat");
        Assert.True(m.ViaCount >= 28);
        Assert.True(m.From.Tag.Length > 50);
        Assert.Equal(6000, m.To.Uri.Port);
        Assert.True(m.CallId.Length > 100);
        var contacts = new List<NameAddress>();
        Assert.True(m.TryGetContacts(contacts));
        Assert.True(Assert.Single(contacts).Uri.User.Length > 100);
    }

    [Fact]
    public void Dblreq_trailing_octets_are_not_part_of_the_message()
    {
        byte[] data = Corpus.Load("dblreq.dat");
        SipMessage m = Corpus.ParseValid("dblreq.dat");
        Assert.Equal(SipMethod.Register, m.Method);
        Assert.Equal(0, m.Body.Length);
        Assert.True(m.End < data.Length);
        Assert.DoesNotContain("INVITE", Encoding.ASCII.GetString(m.Span));
    }

    [Fact]
    public void Semiuri_user_part_contains_semicolon()
    {
        SipMessage m = Corpus.ParseValid("semiuri.dat");
        Assert.Equal("user;par=u@example.net", m.RequestUri.UserUnescaped);
        Assert.Equal("example.com", m.RequestUri.HostString);
        Assert.True(m.RequestUri.ParametersSegment.IsEmpty);
    }

    [Fact]
    public void Transports_all_via_values_parse()
    {
        SipMessage m = Corpus.ParseValid("transports.dat");
        var kinds = new List<TransportKind>();
        foreach (var item in m.EnumerateValues(HeaderKind.Via))
        {
            Assert.True(m.TryParseVia(item, out SipVia v));
            kinds.Add(v.Transport);
        }

        Assert.Equal([TransportKind.Udp, TransportKind.Sctp, TransportKind.Tls, TransportKind.Unknown, TransportKind.Tcp], kinds);
    }

    [Fact]
    public void Mpart01_body_with_nuls_is_framed_by_content_length()
    {
        SipMessage m = Corpus.ParseValid("mpart01.dat");
        Assert.Equal(553, m.Body.Length);
        Assert.Contains((byte)0, m.BodySpan.ToArray());
    }

    [Fact]
    public void Unreason_and_noreason_responses()
    {
        SipMessage u = Corpus.ParseValid("unreason.dat");
        Assert.True(u.IsResponse);
        Assert.Equal(200, u.StatusCode);
        Assert.StartsWith("= 2**3 * 5**2 но", S(u.Reason));
        SipMessage n = Corpus.ParseValid("noreason.dat");
        Assert.Equal(100, n.StatusCode);
        Assert.Equal(0, n.Reason.Length);
    }

    [Fact]
    public void Bext01_lists_every_unsupported_require_tag_and_proxy_require_at_a_proxy()
    {
        SipMessage m = Corpus.ParseValid("bext01.dat");
        CheckFailure uas = RequestChecks.CheckUas(m, Corpus.Uas)!;
        Assert.Equal(420, uas.Status);
        Assert.Equal("nothingSupportsThis, nothingSupportsThisEither", uas.Headers.Single(h => h.Key == "Unsupported").Value);
        CheckFailure proxy = RequestChecks.CheckProxy(m, Corpus.Uas)!;
        Assert.Equal("noProxiesSupportThis, norDoAnyProxiesSupportThis", proxy.Headers.Single(h => h.Key == "Unsupported").Value);
    }

    [Fact]
    public void Zeromf_is_answered_by_an_endpoint_but_not_forwarded_by_a_proxy()
    {
        SipMessage m = Corpus.ParseValid("zeromf.dat");
        Assert.Equal(0, m.MaxForwards);
        Assert.Null(RequestChecks.CheckUas(m, Corpus.Uas));
        Assert.Equal(483, RequestChecks.CheckProxy(m, Corpus.Uas)!.Status);
    }

    [Fact]
    public void Contact_params_versus_url_params()
    {
        SipMessage c1 = Corpus.ParseValid("cparam01.dat");
        Assert.True(c1.TryGetContact(out NameAddress a));
        Assert.False(a.HasAngleBrackets);
        Assert.True(a.TryGetParameter("unknownparam"u8, out _));
        Assert.False(a.Uri.TryGetParameter("unknownparam"u8, out _));

        SipMessage c2 = Corpus.ParseValid("cparam02.dat");
        Assert.True(c2.TryGetContact(out NameAddress b));
        Assert.True(b.Uri.TryGetParameter("unknownparam"u8, out _));
        Assert.False(b.TryGetParameter("unknownparam"u8, out _));

        SipMessage r = Corpus.ParseValid("regescrt.dat");
        Assert.True(r.TryGetContact(out NameAddress e));
        Assert.Equal("Route=%3Csip:sip.example.com%3E", S(e.Uri.Headers));
    }

    [Fact]
    public void Inv2543_without_branch_max_forwards_or_content_length()
    {
        SipMessage m = Corpus.ParseValid("inv2543.dat");
        Assert.False(m.TopVia.HasBranch);
        Assert.Equal(-1, m.MaxForwards);
        Assert.Equal(-1, m.ContentLength);
        Assert.True(m.Body.Length > 0);
    }

    [Fact]
    public void Badbranch_cookie_alone_is_not_an_rfc3261_branch()
    {
        SipMessage m = Corpus.ParseValid("badbranch.dat");
        Assert.Equal("z9hG4bK", S(m.TopVia.Branch));
        Assert.False(m.TopVia.HasRfc3261Branch);
    }

    [Fact]
    public void Scalar02_overlarge_expires_reads_as_maximum()
    {
        // The message is rejected for its CSeq; taken alone, the overlarge Expires is read as 2^32-1 (RFC 4475 §3.1.2.4).
        byte[] data = Corpus.Load("scalar02.dat");
        string text = Encoding.ASCII.GetString(data).Replace("CSeq: 36893488147419103232 REGISTER", "CSeq: 1 REGISTER", StringComparison.Ordinal);
        SipParseResult r = SipParser.ParseDatagram(Encoding.ASCII.GetBytes(text));
        Assert.Equal(SipParseStatus.Complete, r.Status);
        Assert.Equal(uint.MaxValue, r.Message!.Expires);
        Assert.Equal(-1, r.Message.MaxForwards);
        Assert.True(r.Message.TryGetContact(out NameAddress c));
        Assert.Equal(uint.MaxValue, c.Expires);
    }
}

internal static class EnumeratorExtensions
{
    public static List<Anchor.Sip.Text.Segment> ToList(this SipMessage.ValueEnumerator e, SipMessage _)
    {
        var list = new List<Anchor.Sip.Text.Segment>();
        foreach (var s in e)
        {
            list.Add(s);
        }

        return list;
    }
}
