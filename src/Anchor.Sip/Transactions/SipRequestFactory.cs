using Anchor.Sip.Message;

namespace Anchor.Sip.Transactions;

/// <summary>Requests derived from other requests: the hop-by-hop ACK for a non-2xx (§17.1.1.3) and CANCEL (§9.1).</summary>
public static class SipRequestFactory
{
    /// <summary>§17.1.1.3: same Request-URI, Call-ID, From, CSeq number and top Via as the INVITE; To from the response; Route copied.</summary>
    public static byte[] AckForNon2xx(SipMessage invite, SipMessage response) =>
        Derived(invite, "ACK"u8, response.To.Whole.Length > 0 ? response[response.GetHeader(response.IndexOf(HeaderKind.To)).Value] : default);

    /// <summary>§9.1: same Request-URI, Call-ID, To, From, CSeq number and top Via (same branch) as the request; Route copied.</summary>
    public static byte[] Cancel(SipMessage request) => Derived(request, "CANCEL"u8, default);

    private static byte[] Derived(SipMessage req, ReadOnlySpan<byte> method, ReadOnlySpan<byte> toOverride)
    {
        var w = new SipMessageWriter(512);
        w.RequestLine(method, req[req.RequestUriSegment]);
        w.Header("Via"u8, req.TopVia.Span);
        w.Header("Max-Forwards"u8, "70"u8);
        for (int i = 0; i < req.HeaderCount; i++)
        {
            HeaderField h = req.GetHeader(i);
            switch (h.Kind)
            {
                case HeaderKind.Route:
                    w.Header("Route"u8, req[h.Value]);
                    break;
                case HeaderKind.From:
                    w.Header("From"u8, req[h.Value]);
                    break;
                case HeaderKind.To:
                    w.Header("To"u8, toOverride.IsEmpty ? req[h.Value] : toOverride);
                    break;
                case HeaderKind.CallId:
                    w.Header("Call-ID"u8, req[h.Value]);
                    break;
            }
        }

        w.Raw("CSeq: "u8).Number(req.CSeq).Raw(" "u8).Raw(method).Raw("\r\n"u8);
        return w.Finish();
    }
}
