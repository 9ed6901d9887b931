using System.Globalization;
using System.Net;
using System.Text;

namespace Anchor.Media.Sdp;

/// <summary>The direction attribute of a media stream (RFC 4566 §6, RFC 3264 §5.1): what hold looks like.</summary>
public enum MediaDirection
{
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

/// <summary>One payload format of an m= line (RFC 4566 §6 a=rtpmap, a=fmtp; RFC 3551's static types without them).</summary>
public sealed record RtpFormat(int PayloadType, string Encoding, int ClockRate, string? Parameters = null)
{
    /// <summary>Whether this is <paramref name="encoding"/> at <paramref name="clockRate"/> (encoding names are case-insensitive, §6).</summary>
    public bool Is(string encoding, int clockRate = 8000) =>
        Encoding.Equals(encoding, StringComparison.OrdinalIgnoreCase) && ClockRate == clockRate;
}

/// <summary>What one m= section says about where its sender wants media sent.</summary>
public sealed record MediaStream(
    int Index,
    string Media,
    IPAddress? Address,
    int Port,
    int RtcpPort,
    string Protocol,
    MediaDirection Direction,
    int ClockRate)
{
    /// <summary>The formats in the order the m= line lists them (the sender's preference).</summary>
    public IReadOnlyList<RtpFormat> Formats { get; init; } = [];

    /// <summary>The format with this encoding, if listed (telephone-event: the DTMF payload type, whatever its number).</summary>
    public RtpFormat? Find(string encoding, int clockRate = 8000) => Formats.FirstOrDefault(f => f.Is(encoding, clockRate));

    /// <summary>Whether the stream puts its party on hold (RFC 3264 §8.4: sendonly or inactive, or the old c=0.0.0.0).</summary>
    public bool IsHold => !Disabled && (NullAddress || Direction is MediaDirection.SendOnly or MediaDirection.Inactive);

    /// <summary>Port 0 rejects or disables the stream (RFC 3264 §6, §8.2).</summary>
    public bool Disabled => Port == 0;

    /// <summary>c=0.0.0.0 (RFC 2543 hold, still sent by some phones): no media goes to it.</summary>
    public bool NullAddress => Address is null || Address.Equals(IPAddress.Any) || Address.Equals(IPAddress.IPv6Any);

    /// <summary>Whether the sender of this description will send media (so silence from it means something).</summary>
    public bool Sends => !Disabled && Direction is MediaDirection.SendRecv or MediaDirection.SendOnly;

    public IPEndPoint? RtpEndPoint => NullAddress || Disabled ? null : new IPEndPoint(Address!, Port);

    public IPEndPoint? RtcpEndPoint => NullAddress || Disabled ? null : new IPEndPoint(Address!, RtcpPort);
}

/// <summary>
/// An SDP body (RFC 4566) kept as its lines, with the parts a media relay needs read out: the connection address and
/// ports of each m= section, a=rtcp (RFC 3605), the direction attribute and the first codec's clock rate. Rewriting
/// changes only c=, o= address, m= ports and a=rtcp, and drops what cannot survive a relay (ICE candidates, rtcp-mux):
/// codecs and every other attribute are kept as they were.
/// </summary>
public sealed class SessionDescription
{
    private static readonly string[] DroppedAttributes =
        ["candidate", "end-of-candidates", "ice-ufrag", "ice-pwd", "ice-options", "ice-lite", "ice-mismatch", "remote-candidates", "rtcp-mux"];

    private readonly List<string> _lines;

    private SessionDescription(List<string> lines, List<MediaStream> streams)
    {
        _lines = lines;
        Streams = streams;
    }

    public IReadOnlyList<MediaStream> Streams { get; }

    public static bool TryParse(ReadOnlySpan<byte> body, out SessionDescription? sdp, out string? error)
    {
        sdp = null;
        error = null;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            error = "not UTF-8";
            return false;
        }

        var lines = new List<string>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.Length < 2 || line[1] != '=')
            {
                error = $"line \"{Truncate(line)}\" is not type=value";
                return false;
            }

            lines.Add(line);
        }

        if (lines.Count == 0 || !lines[0].StartsWith("v=0", StringComparison.Ordinal))
        {
            error = "does not start with v=0";
            return false;
        }

        IPAddress? sessionAddress = null;
        var sessionDirection = MediaDirection.SendRecv;
        var streams = new List<MediaStream>();
        int i = 0;
        for (; i < lines.Count && lines[i][0] != 'm'; i++)
        {
            if (lines[i][0] == 'c' && !TryConnection(lines[i], out sessionAddress))
            {
                error = $"bad connection line \"{Truncate(lines[i])}\"";
                return false;
            }

            if (lines[i].StartsWith("a=", StringComparison.Ordinal) && TryDirection(lines[i].AsSpan(2), out MediaDirection d))
            {
                sessionDirection = d;
            }
        }

        while (i < lines.Count)
        {
            int mIndex = i;
            string[] m = lines[i][2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string portText = m.Length >= 3 ? m[1].Split('/')[0] : "";
            if (m.Length < 3 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
            {
                error = $"bad media line \"{Truncate(lines[i])}\"";
                return false;
            }

            IPAddress? address = sessionAddress;
            int rtcp = port + 1;
            MediaDirection direction = sessionDirection;
            int clock = 8000;
            bool clockFound = false;
            string firstFormat = m.Length > 3 ? m[3] : "";
            var rtpmap = new Dictionary<int, (string Encoding, int Clock)>();
            var fmtp = new Dictionary<int, string>();
            for (i++; i < lines.Count && lines[i][0] != 'm'; i++)
            {
                string line = lines[i];
                if (line[0] == 'c')
                {
                    if (!TryConnection(line, out address))
                    {
                        error = $"bad connection line \"{Truncate(line)}\"";
                        return false;
                    }
                }
                else if (line.StartsWith("a=rtcp:", StringComparison.Ordinal))
                {
                    string v = line[7..].Split(' ')[0];
                    if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out rtcp) || rtcp is 0 or > 65535)
                    {
                        error = $"bad a=rtcp \"{Truncate(line)}\"";
                        return false;
                    }
                }
                else if (line.StartsWith("a=", StringComparison.Ordinal) && TryDirection(line.AsSpan(2), out MediaDirection d))
                {
                    direction = d;
                }
                else if (line.StartsWith("a=rtpmap:", StringComparison.Ordinal) && line.IndexOf(' ', StringComparison.Ordinal) is int sp and > 9)
                {
                    // a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]
                    string[] enc = line[(sp + 1)..].Split('/');
                    if (enc.Length >= 2 && int.TryParse(enc[1], NumberStyles.None, CultureInfo.InvariantCulture, out int rate) && rate > 0
                        && int.TryParse(line.AsSpan(9, sp - 9), NumberStyles.None, CultureInfo.InvariantCulture, out int pt) && pt < 128)
                    {
                        rtpmap[pt] = (enc[0], rate);
                        if (!clockFound && line.AsSpan(9, sp - 9).SequenceEqual(firstFormat))
                        {
                            clock = rate;
                            clockFound = true;
                        }
                    }
                }
                else if (line.StartsWith("a=fmtp:", StringComparison.Ordinal) && line.IndexOf(' ', StringComparison.Ordinal) is int fs and > 7
                    && int.TryParse(line.AsSpan(7, fs - 7), NumberStyles.None, CultureInfo.InvariantCulture, out int fpt))
                {
                    fmtp[fpt] = line[(fs + 1)..];
                }
            }

            if (address is null && port != 0)
            {
                error = $"media line {streams.Count + 1} has no connection address";
                return false;
            }

            var formats = new List<RtpFormat>();
            for (int f = 3; f < m.Length; f++)
            {
                if (int.TryParse(m[f], NumberStyles.None, CultureInfo.InvariantCulture, out int pt) && pt < 128)
                {
                    (string enc, int rate) = rtpmap.TryGetValue(pt, out var r) ? r : StaticFormat(pt);
                    formats.Add(new RtpFormat(pt, enc, rate, fmtp.GetValueOrDefault(pt)));
                }
            }

            streams.Add(new MediaStream(mIndex, m[0], address, port, rtcp, m[2], direction, clock) { Formats = formats });
        }

        sdp = new SessionDescription(lines, streams);
        return true;
    }

    /// <summary>
    /// The same description with every enabled stream pointed at the relay: c= and o= carry <paramref name="address"/>,
    /// each m= the RTP port given for it (RTCP on the next port, said with a=rtcp). <paramref name="ports"/> has one entry
    /// per stream; streams with port 0 stay disabled.
    /// </summary>
    public byte[] Rewrite(IPAddress address, IReadOnlyList<int> ports)
    {
        if (ports.Count != Streams.Count)
        {
            throw new ArgumentException("One port per stream", nameof(ports));
        }

        string family = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IP6" : "IP4";
        string connection = $"c=IN {family} {address}";
        var sb = new StringBuilder(512);
        int stream = -1;
        bool sessionConnectionWritten = false;
        bool inMedia = false;
        for (int i = 0; i < _lines.Count; i++)
        {
            string line = _lines[i];
            if (line[0] == 'm')
            {
                stream++;
                inMedia = true;
                MediaStream s = Streams[stream];
                string[] m = line[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                m[1] = s.Disabled ? "0" : ports[stream].ToString(CultureInfo.InvariantCulture);
                sb.Append("m=").AppendJoin(' ', m).Append("\r\n");
                if (!s.Disabled)
                {
                    // Every enabled stream gets its own c= and a=rtcp so nothing depends on what the session level said.
                    // c=0.0.0.0 (RFC 2543 hold) stays: the other side must not send, so it gets nowhere to send to.
                    sb.Append(s.NullAddress ? (s.Address?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "c=IN IP6 ::" : "c=IN IP4 0.0.0.0") : connection).Append("\r\n");
                    sb.Append("a=rtcp:").Append(ports[stream] + 1).Append("\r\n");
                }

                continue;
            }

            switch (line[0])
            {
                case 'o':
                {
                    // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
                    string[] o = line[2..].Split(' ');
                    if (o.Length == 6)
                    {
                        o[4] = family;
                        o[5] = address.ToString();
                        line = "o=" + string.Join(' ', o);
                    }

                    break;
                }

                case 'c':
                    if (inMedia)
                    {
                        continue; // replaced right after its m= line
                    }

                    if (sessionConnectionWritten)
                    {
                        continue;
                    }

                    sessionConnectionWritten = true;
                    line = connection;
                    break;
                case 'a':
                    if (line.StartsWith("a=rtcp:", StringComparison.Ordinal) || IsDropped(line))
                    {
                        continue;
                    }

                    break;
            }

            sb.Append(line).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public override string ToString() => string.Join("\r\n", _lines) + "\r\n";

    private static bool IsDropped(string line)
    {
        int end = line.IndexOf(':', StringComparison.Ordinal);
        string name = end < 0 ? line[2..] : line[2..end];
        return DroppedAttributes.Contains(name, StringComparer.Ordinal);
    }

    private static bool TryConnection(string line, out IPAddress? address)
    {
        // c=<nettype> <addrtype> <connection-address>, the address maybe with /ttl or /count (multicast).
        address = null;
        string[] c = line[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return c.Length == 3 && c[0] == "IN" && (c[1] is "IP4" or "IP6")
            && IPAddress.TryParse(c[2].Split('/')[0], out address)
            && (c[1] == "IP4") == (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
    }

    private static bool TryDirection(ReadOnlySpan<char> attr, out MediaDirection direction)
    {
        direction = attr switch
        {
            "sendrecv" => MediaDirection.SendRecv,
            "sendonly" => MediaDirection.SendOnly,
            "recvonly" => MediaDirection.RecvOnly,
            "inactive" => MediaDirection.Inactive,
            _ => (MediaDirection)(-1),
        };
        return direction >= 0;
    }

    /// <summary>RFC 3551 §6: the static payload types a phone may list without a=rtpmap.</summary>
    private static (string Encoding, int Clock) StaticFormat(int pt) => pt switch
    {
        0 => ("PCMU", 8000),
        3 => ("GSM", 8000),
        4 => ("G723", 8000),
        8 => ("PCMA", 8000),
        9 => ("G722", 8000),
        13 => ("CN", 8000),
        18 => ("G729", 8000),
        _ => ("", 0),
    };

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "...";
}
