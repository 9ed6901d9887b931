using Anchor.Sip.Editing;

namespace Anchor.Sip.Message;

/// <summary>
/// Builds a response to a request (RFC 3261 §8.2.6): Via (top stamped per §18.2.1 / RFC 3581), From, To (with a tag
/// added for anything but 100), Call-ID and CSeq copied from the request, then the caller's headers.
/// Works on requests that failed parsing too, copying whichever of those headers are present.
/// </summary>
public static class SipResponseBuilder
{
    public static SipMessageWriter Start(SipMessage request, int status, string reason, ReceivedFrom from, string? toTag = null,
        bool copyRecordRoute = false)
    {
        var w = new SipMessageWriter(512 + request.HeadersEnd - request.HeadersStart);
        w.StatusLine(status, reason);
        bool firstVia = true;
        for (int i = 0; i < request.HeaderCount; i++)
        {
            HeaderField h = request.GetHeader(i);
            switch (h.Kind)
            {
                case HeaderKind.Via:
                    if (firstVia && request.TopVia.Whole.Length > 0 && from.Remote.Port != 0 && ViaStamp.Needed(request.TopVia, from.Remote))
                    {
                        // Rewrite only the top via-parm; keep the rest of this line as it was.
                        w.Raw("Via: "u8).Raw(ViaStamp.Stamp(request.TopVia, from.Remote));
                        int restStart = request.TopVia.Whole.End;
                        int restEnd = h.Value.End;
                        w.Raw(request[new Text.Segment(restStart, restEnd - restStart)]).Raw("\r\n"u8);
                    }
                    else
                    {
                        w.Header("Via"u8, request[h.Value]);
                    }

                    firstVia = false;
                    break;
                case HeaderKind.To:
                    w.Raw("To: "u8).Raw(request[h.Value]);
                    if (status > 100 && toTag is not null && !request.To.HasTag && request.To.Whole.Length > 0)
                    {
                        w.Raw(";tag="u8).Text(toTag); // §8.2.6.2
                    }

                    w.Raw("\r\n"u8);
                    break;
                case HeaderKind.From:
                    w.Header("From"u8, request[h.Value]);
                    break;
                case HeaderKind.CallId:
                    w.Header("Call-ID"u8, request[h.Value]);
                    break;
                case HeaderKind.CSeq:
                    w.Header("CSeq"u8, request[h.Value]);
                    break;
                case HeaderKind.RecordRoute when copyRecordRoute:
                    w.Header("Record-Route"u8, request[h.Value]);
                    break;
            }
        }

        return w;
    }

    /// <summary>A complete response with no body.</summary>
    public static byte[] Build(SipMessage request, int status, string reason, ReceivedFrom from, string? toTag = null,
        IEnumerable<KeyValuePair<string, string>>? headers = null, string? server = null)
    {
        SipMessageWriter w = Start(request, status, reason, from, toTag);
        if (server is not null)
        {
            w.Header("Server", server);
        }

        if (headers is not null)
        {
            foreach (var h in headers)
            {
                w.Header(h.Key, h.Value);
            }
        }

        return w.Finish();
    }

}
