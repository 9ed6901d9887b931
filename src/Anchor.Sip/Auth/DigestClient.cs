using System.Security.Cryptography;
using Anchor.Sip.Message;

namespace Anchor.Sip.Auth;

/// <summary>
/// The client side: answers a 401/407 with stored credentials (RFC 3261 §22.2, §22.3). Picks the strongest challenge it
/// supports, counts nonce uses so a reused nonce carries a growing nc, and starts over on stale=true.
/// </summary>
public sealed class DigestClient
{
    private readonly Lock _lock = new();
    private string? _nonce;
    private uint _nc;

    public DigestClient(string username, string password)
    {
        Username = username;
        Password = password;
    }

    public string Username { get; }

    public string Password { get; }

    /// <summary>
    /// The Authorization (for 401) or Proxy-Authorization (for 407) header name and value answering <paramref name="challenge"/>
    /// for a request with this method and Request-URI. Null when no challenge in the response is one we can answer.
    /// </summary>
    public KeyValuePair<string, string>? Answer(SipMessage challenge, string method, string requestUri)
    {
        bool proxy = challenge.StatusCode == 407;
        HeaderKind kind = proxy ? HeaderKind.ProxyAuthenticate : HeaderKind.WwwAuthenticate;
        DigestParameters? best = null;
        DigestAlgorithm bestAlg = DigestAlgorithm.Md5;
        for (int i = challenge.IndexOf(kind); i >= 0; i = challenge.IndexOf(kind, i + 1))
        {
            if (!DigestParameters.TryParse(challenge[challenge.GetHeader(i).Value], out DigestParameters? p) || p!.Nonce is null || p.Realm is null
                || !DigestAlgorithms.TryParse(p.Algorithm, out DigestAlgorithm a))
            {
                continue;
            }

            if (best is null || (a == DigestAlgorithm.Sha256 && bestAlg != DigestAlgorithm.Sha256))
            {
                best = p;
                bestAlg = a;
            }
        }

        if (best is null)
        {
            return null;
        }

        string? qop = null;
        if (best.Qop is { } offered && offered.Split(',', StringSplitOptions.TrimEntries).Contains("auth", StringComparer.OrdinalIgnoreCase))
        {
            qop = "auth";
        }

        uint nc;
        lock (_lock)
        {
            if (!string.Equals(_nonce, best.Nonce, StringComparison.Ordinal))
            {
                _nonce = best.Nonce;
                _nc = 0;
            }

            nc = ++_nc;
        }

        string ncText = nc.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        string cnonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        string ha1 = DigestAlgorithms.Ha1(bestAlg, Username, best.Realm!, Password);
        string response = DigestAlgorithms.Response(bestAlg, ha1, best.Nonce!, ncText, cnonce, qop, method, requestUri);
        var value = new System.Text.StringBuilder("Digest ");
        value.Append("username=").Append(DigestParameters.Quote(Username))
            .Append(", realm=").Append(DigestParameters.Quote(best.Realm!))
            .Append(", nonce=").Append(DigestParameters.Quote(best.Nonce!))
            .Append(", uri=").Append(DigestParameters.Quote(requestUri))
            .Append(", response=\"").Append(response).Append('"')
            .Append(", algorithm=").Append(DigestAlgorithms.Name(bestAlg));
        if (qop is not null)
        {
            value.Append(", qop=auth, nc=").Append(ncText).Append(", cnonce=\"").Append(cnonce).Append('"');
        }

        if (best.Opaque is not null)
        {
            value.Append(", opaque=").Append(DigestParameters.Quote(best.Opaque));
        }

        return new(proxy ? "Proxy-Authorization" : "Authorization", value.ToString());
    }
}
