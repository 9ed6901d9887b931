using System.Text;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;

namespace Anchor.Sip.Tests.Dialogs;

/// <summary>RFC 3261 §16.7 step 6: which final response a fork (proxy or UAC) ends with.</summary>
public class BestResponseTests
{
    private static SipMessage Response(int status) => SipParser.ParseDatagram(Encoding.ASCII.GetBytes(
        $"SIP/2.0 {status} X\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>;tag=t\r\nFrom: <sip:c@d>;tag=f\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")).Message!;

    [Theory]
    [InlineData(new[] { 486, 404 }, 486)]          // same class: the first stays
    [InlineData(new[] { 503, 486 }, 486)]          // lowest class wins
    [InlineData(new[] { 486, 603, 302 }, 603)]     // a 6xx beats everything
    [InlineData(new[] { 603, 302 }, 603)]          // and is not displaced
    [InlineData(new[] { 500, 302, 404 }, 302)]     // 302 beats 404 (the old B2BUA ranking picked 404)
    [InlineData(new[] { -408, 486 }, 486)]         // a received answer beats a made-up one of its class
    [InlineData(new[] { -480, 503 }, 480)]         // a lower class wins even when made up
    [InlineData(new[] { 404, -408 }, 404)]
    public void Best_final_response(int[] arriving, int chosen)
    {
        var best = new BestResponse();
        foreach (int s in arriving)
        {
            if (s < 0)
            {
                best.ConsiderSynthetic(-s);
            }
            else
            {
                best.Consider(Response(s));
            }
        }

        Assert.Equal(chosen, best.Status);
        Assert.Equal(Array.IndexOf(arriving, chosen) >= 0, best.Response is not null);
    }
}
