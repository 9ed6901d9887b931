using System.Globalization;
using System.Net;
using System.Text;

namespace Anchor.Media.Sdp;

/// <summary>
/// The session descriptions Anchor writes for its own media engine (RFC 4566, RFC 3264): one audio stream, G.711
/// (µ-law, A-law) and RFC 4733 telephone-events. An answer takes the first G.711 the offer lists and its
/// telephone-event type, whatever number it has; other streams are refused with port 0 (§6).
/// </summary>
public static class LocalDescription
{
    /// <summary>The telephone-event payload type Anchor offers (the common choice; answers use the offer's).</summary>
    public const int DefaultEventType = 101;

    /// <summary>
    /// What Anchor's engine can take from a stream: the first G.711 format listed (<paramref name="prefer"/> first, when
    /// listed: two parties joined at the relay must speak the same one), and telephone-event if listed.
    /// </summary>
    public static (RtpFormat Audio, RtpFormat? Events)? Choose(MediaStream stream, string? prefer = null)
    {
        if (stream.Disabled || !stream.Media.Equals("audio", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        RtpFormat? audio = (prefer is null ? null : stream.Formats.FirstOrDefault(f => f.Is(prefer)))
            ?? stream.Formats.FirstOrDefault(f => f.Is("PCMU") || f.Is("PCMA"));
        return audio is null ? null : (audio, stream.Find("telephone-event"));
    }

    /// <summary>The first audio stream Anchor's engine can serve, or null.</summary>
    public static MediaStream? FirstUsable(SessionDescription sdp) => sdp.Streams.FirstOrDefault(s => Choose(s) is not null);

    /// <summary>
    /// The answer to <paramref name="offer"/>: the first usable audio stream accepted at <paramref name="address"/>:
    /// <paramref name="port"/> with the direction mirrored (§6.1: sendonly is answered recvonly, recvonly sendonly,
    /// inactive inactive); every other stream refused. Null when no stream is usable (answer 488).
    /// </summary>
    public static byte[]? Answer(SessionDescription offer, IPAddress address, int port, long sessionId, long version, string? prefer = null)
    {
        MediaStream? usable = FirstUsable(offer);
        if (usable is null)
        {
            return null;
        }

        (RtpFormat audio, RtpFormat? events) = Choose(usable, prefer)!.Value;
        MediaDirection direction = usable.NullAddress ? MediaDirection.RecvOnly : usable.Direction switch
        {
            MediaDirection.SendOnly => MediaDirection.RecvOnly,
            MediaDirection.RecvOnly => MediaDirection.SendOnly,
            MediaDirection.Inactive => MediaDirection.Inactive,
            _ => MediaDirection.SendRecv,
        };
        var sb = Session(address, sessionId, version);
        foreach (MediaStream s in offer.Streams)
        {
            if (s == usable)
            {
                Audio(sb, port, audio, events, direction);
            }
            else
            {
                sb.Append("m=").Append(s.Media).Append(" 0 ").Append(s.Protocol).Append(' ')
                    .Append(s.Formats.Count > 0 ? s.Formats[0].PayloadType.ToString(CultureInfo.InvariantCulture) : "0").Append("\r\n");
            }
        }

        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>An offer from Anchor's engine: PCMU, PCMA and telephone-event, in <paramref name="direction"/>.</summary>
    public static byte[] Offer(IPAddress address, int port, long sessionId, long version, MediaDirection direction = MediaDirection.SendRecv)
    {
        var sb = Session(address, sessionId, version);
        sb.Append("m=audio ").Append(port).Append(" RTP/AVP 0 8 ").Append(DefaultEventType).Append("\r\n");
        sb.Append("a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n");
        sb.Append("a=rtpmap:").Append(DefaultEventType).Append(" telephone-event/8000\r\n");
        sb.Append("a=fmtp:").Append(DefaultEventType).Append(" 0-16\r\n");
        sb.Append("a=ptime:20\r\n").Append(Direction(direction)).Append("\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>
    /// An offer with exactly <paramref name="audio"/> (and <paramref name="events"/>), their payload types kept: for a
    /// party Anchor calls on behalf of one it has already answered, so both sides use what the first agreed.
    /// </summary>
    public static byte[] OfferWith(RtpFormat audio, RtpFormat? events, IPAddress address, int port, long sessionId, long version)
    {
        var sb = Session(address, sessionId, version);
        Audio(sb, port, audio, events, MediaDirection.SendRecv);
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private static StringBuilder Session(IPAddress address, long sessionId, long version)
    {
        string family = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IP6" : "IP4";
        var sb = new StringBuilder(400);
        sb.Append("v=0\r\n");
        sb.Append("o=Anchor ").Append(sessionId).Append(' ').Append(version).Append(" IN ").Append(family).Append(' ').Append(address).Append("\r\n");
        sb.Append("s=Anchor\r\n");
        sb.Append("c=IN ").Append(family).Append(' ').Append(address).Append("\r\n");
        sb.Append("t=0 0\r\n");
        return sb;
    }

    private static void Audio(StringBuilder sb, int port, RtpFormat audio, RtpFormat? events, MediaDirection direction)
    {
        sb.Append("m=audio ").Append(port).Append(" RTP/AVP ").Append(audio.PayloadType);
        if (events is not null)
        {
            sb.Append(' ').Append(events.PayloadType);
        }

        sb.Append("\r\na=rtpmap:").Append(audio.PayloadType).Append(' ').Append(audio.Encoding.ToUpperInvariant()).Append("/8000\r\n");
        if (events is not null)
        {
            sb.Append("a=rtpmap:").Append(events.PayloadType).Append(" telephone-event/8000\r\n");
            sb.Append("a=fmtp:").Append(events.PayloadType).Append(' ').Append(events.Parameters ?? "0-15").Append("\r\n");
        }

        sb.Append("a=ptime:20\r\n").Append(Direction(direction)).Append("\r\n");
    }

    private static string Direction(MediaDirection d) => d switch
    {
        MediaDirection.SendOnly => "a=sendonly",
        MediaDirection.RecvOnly => "a=recvonly",
        MediaDirection.Inactive => "a=inactive",
        _ => "a=sendrecv",
    };
}
