using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Text;

namespace Anchor.Pbx.Applications.Transfer;

/// <summary>The dialog a <c>Replaces</c> names (RFC 3891 §6.1): its Call-ID and tags as the sender sees them, and <c>early-only</c>.</summary>
public sealed record ReplacesId(string CallId, string ToTag, string FromTag, bool EarlyOnly)
{
    /// <summary>Parses a Replaces value (<c>call-id;to-tag=a;from-tag=b[;early-only]</c>); null when it is not one.</summary>
    public static ReplacesId? Parse(string value)
    {
        string[] parts = value.Split(';', StringSplitOptions.TrimEntries);
        if (parts.Length < 3 || parts[0].Length == 0)
        {
            return null;
        }

        string? to = null, from = null;
        bool early = false;
        foreach (string p in parts.Skip(1))
        {
            int eq = p.IndexOf('=', StringComparison.Ordinal);
            string name = (eq < 0 ? p : p[..eq]).Trim().ToLowerInvariant();
            string v = eq < 0 ? "" : p[(eq + 1)..].Trim();
            switch (name)
            {
                case "to-tag":
                    to = v;
                    break;
                case "from-tag":
                    from = v;
                    break;
                case "early-only":
                    early = true;
                    break;
            }
        }

        return to is null || from is null ? null : new ReplacesId(parts[0], to, from, early);
    }
}

/// <summary>
/// Where a REFER sends the transferee (RFC 3515 §2.1): the Refer-To URI's user (the number the router takes), and the
/// Replaces of an attended transfer, carried as an escaped header of that URI (RFC 3891 §7: <c>?Replaces=…%3Bto-tag%3D…</c>).
/// </summary>
public sealed record ReferTarget(string User, ReplacesId? Replaces)
{
    /// <summary>The REFER's single Refer-To; false with a reason for a 400 when there is none, several, or no user in it.</summary>
    public static bool TryParse(SipMessage refer, out ReferTarget? target, out string? error)
    {
        target = null;
        error = null;
        NameAddress? found = null;
        foreach (var item in refer.EnumerateValues(HeaderKind.ReferTo))
        {
            if (found is not null)
            {
                error = "more than one Refer-To";
                return false;
            }

            if (!refer.TryParseNameAddress(item, out NameAddress na))
            {
                error = "Refer-To does not parse";
                return false;
            }

            found = na;
        }

        if (found is not { } to)
        {
            error = "no Refer-To";
            return false;
        }

        if (!to.Uri.HasUser)
        {
            error = "Refer-To names no number";
            return false;
        }

        ReplacesId? replaces = null;
        string headers = Encoding.ASCII.GetString(to.Uri.Headers);
        foreach (string h in headers.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = h.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && h[..eq].Equals("Replaces", StringComparison.OrdinalIgnoreCase))
            {
                replaces = ReplacesId.Parse(Escaping.Unescape(Encoding.ASCII.GetBytes(h[(eq + 1)..])));
                if (replaces is null)
                {
                    error = "the Replaces in Refer-To does not parse";
                    return false;
                }
            }
        }

        target = new ReferTarget(to.Uri.UserUnescaped, replaces);
        return true;
    }
}
