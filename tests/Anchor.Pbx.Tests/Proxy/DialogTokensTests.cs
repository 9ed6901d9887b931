using System.Text;
using Anchor.Pbx.Proxy;
using Anchor.Sip.Message;

namespace Anchor.Pbx.Tests.Proxy;

/// <summary>The Record-Route token that proves a dialog is one Anchor set up, and where requests toward the caller may go.</summary>
public class DialogTokensTests
{
    private static readonly DialogTokens Tokens = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly byte[] CallId = "a84b4c76e66710@pc33.test"u8.ToArray();
    private static readonly SipUri CallerContact = SipUri.Parse("sip:101@192.0.2.20:5062;transport=udp");

    private static DialogProof Check(string token, string from, string to, string next, byte[]? callId = null) =>
        Tokens.Check(Encoding.ASCII.GetBytes(token), callId ?? CallId, Encoding.ASCII.GetBytes(from), Encoding.ASCII.GetBytes(to), SipUri.Parse(next));

    [Fact]
    public void Requests_from_either_party_are_recognised()
    {
        string t = Tokens.Issue(CallId, "caller-tag"u8, CallerContact);

        // From the caller toward the callee (a registered phone, checked elsewhere): the caller's tag is the From tag.
        Assert.Equal(DialogProof.Dialog, Check(t, "caller-tag", "callee-tag", "sip:102@192.0.2.30:5060"));

        // From the callee toward the caller: the caller's tag is the To tag, and the next hop is the caller's Contact
        // (compared by host and port: case and parameters aside, and 5060 when none is written).
        Assert.Equal(DialogProof.TowardCaller, Check(t, "callee-tag", "caller-tag", "sip:101@192.0.2.20:5062"));
        Assert.Equal(DialogProof.TowardCaller, Check(Tokens.Issue(CallId, "c"u8, SipUri.Parse("sip:Phone.Example:5060")), "x", "c", "sip:phone.example"));
    }

    [Fact]
    public void Forgeries_prove_nothing()
    {
        string t = Tokens.Issue(CallId, "caller-tag"u8, CallerContact);
        Assert.Equal(DialogProof.None, Check(t, "other", "tags", "sip:101@192.0.2.20:5062"));                   // another dialog's tags
        Assert.Equal(DialogProof.None, Check(t, "caller-tag", "x", "sip:a@b", "another-call-id"u8.ToArray()));  // another Call-ID
        Assert.Equal(DialogProof.None, Check(new DialogTokens(new byte[32]).Issue(CallId, "caller-tag"u8, CallerContact), "caller-tag", "x", "sip:a@b"));
        Assert.Equal(DialogProof.None, Check("", "caller-tag", "x", "sip:a@b"));
        Assert.Equal(DialogProof.None, Check("0000000000000000.0000000000000000", "caller-tag", "x", "sip:a@b"));
        Assert.Equal(DialogProof.None, Check(t[..^1], "caller-tag", "x", "sip:a@b"));
        Assert.Equal(DialogProof.None, Check(t.Replace('.', 'x'), "caller-tag", "x", "sip:a@b"));
        Assert.Equal(DialogProof.None, Check("zz" + t[2..], "caller-tag", "x", "sip:a@b"));

        // A genuine dialog, but a next hop that is not the caller's: the proxy then insists on a registered phone.
        Assert.Equal(DialogProof.Dialog, Check(t, "callee-tag", "caller-tag", "sip:14085551212@198.51.100.7"));
        Assert.Equal(DialogProof.Dialog, Check(t, "callee-tag", "caller-tag", "sip:101@192.0.2.20:5063"));
    }
}
