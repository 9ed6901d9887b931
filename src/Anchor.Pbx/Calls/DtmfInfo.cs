using System.Text;
using Anchor.Sip.Message;

namespace Anchor.Pbx.Calls;

/// <summary>
/// Keys sent in SIP INFO, the fallback of phones that do not send RFC 4733: <c>application/dtmf-relay</c>
/// (<c>Signal=5</c>, <c>Duration=160</c>: Cisco's, which most phones copy) and <c>application/dtmf</c> (the key alone).
/// </summary>
public static class DtmfInfo
{
    public static char? TryParse(SipMessage info)
    {
        string? type = info.GetHeaderString("Content-Type");
        if (type is null || info.Body.Length is 0 or > 512)
        {
            return null;
        }

        string body = Encoding.ASCII.GetString(info.BodySpan).Trim();
        if (type.StartsWith("application/dtmf-relay", StringComparison.OrdinalIgnoreCase))
        {
            foreach (string line in body.Split('\n'))
            {
                int eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && line[..eq].Trim().Equals("Signal", StringComparison.OrdinalIgnoreCase))
                {
                    return Key(line[(eq + 1)..].Trim());
                }
            }

            return null;
        }

        return type.StartsWith("application/dtmf", StringComparison.OrdinalIgnoreCase) ? Key(body) : null;
    }

    private static char? Key(string v) => v switch
    {
        { Length: 1 } when Anchor.Media.Rtp.TelephoneEvents.CodeOf(v[0]) >= 0 => char.ToUpperInvariant(v[0]),
        "10" => '*',
        "11" => '#',
        _ => null,
    };
}
