using System.Globalization;

namespace Anchor.Pbx.Hunting;

/// <summary>
/// The SPA9000's hunt-group and Contact List syntax, as an SPA admin pastes it:
/// <list type="bullet">
/// <item>a group (SIP › PBX Parameters › Hunt Groups): <c>500:name="Sales",101,102,103,hunt=ne;45;240,cfwd=vm101</c>;</item>
/// <item>a line's Contact List: rules separated by <c>|</c>, each <c>[did:]station[,station…][,name=…][,hunt=algo;interval;max][,cfwd=target]</c>,
/// DIDs and stations with the wildcards <c>*</c> and <c>?</c>.</item>
/// </list>
/// <c>algo</c> is <c>al</c> (all at once), <c>re</c> (restart), <c>ne</c> (next), <c>ra</c> (random); <c>interval</c> the seconds each
/// station rings (<c>*</c>: the first that rings, until it answers); <c>max</c> seconds, cycles or 0 (<see cref="HuntLimit.FromSpa"/>).
/// Without <c>hunt=</c> all stations ring at once. Errors name the 1-based position, as the dial plan's do.
/// </summary>
public static class SpaHunt
{
    /// <summary>A hunt group: its number comes before the colon.</summary>
    public static bool TryParseGroup(string text, out HuntGroup? group, out string? error)
    {
        group = null;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            error = "position 1: a hunt group starts with its number and a colon (500:101,102,hunt=al)";
            return false;
        }

        string number = text[..colon].Trim();
        if (!number.All(char.IsAsciiDigit))
        {
            error = $"position 1: \"{number}\" is not a number";
            return false;
        }

        return TryParseRule(text, colon + 1, text.Length, number, out group, out error);
    }

    /// <summary>A Contact List (Trunks[].Inbound): one rule per <c>|</c>, first match wins.</summary>
    public static bool TryParseContactList(string text, string name, out List<ContactRule>? rules, out string? error)
    {
        rules = [];
        int start = 0;
        int index = 0;
        while (start <= text.Length)
        {
            int end = IndexOutsideQuotes(text, '|', start);
            if (end < 0)
            {
                end = text.Length;
            }

            index++;
            int colon = IndexOutsideQuotes(text, ':', start, end);
            string? did = colon < 0 ? null : text[start..colon].Trim();
            if (did is { Length: 0 } || did is not null && !did.All(c => char.IsAsciiDigit(c) || c is '*' or '?' or '+'))
            {
                error = $"position {start + 1}: \"{did}\" is not a DID (digits, * and ?)";
                rules = null;
                return false;
            }

            if (!TryParseRule(text, colon < 0 ? start : colon + 1, end, $"{name} rule {index}", out HuntGroup? group, out error))
            {
                rules = null;
                return false;
            }

            rules.Add(new ContactRule(did, group!));
            start = end + 1;
        }

        error = null;
        return true;
    }

    private static bool TryParseRule(string text, int from, int to, string number, out HuntGroup? group, out string? error)
    {
        group = null;
        error = null;
        var members = new List<string>();
        string? name = null, cfwd = null;
        HuntStrategy strategy = HuntStrategy.RingAll;
        int ring = 15, max = 0;
        bool untilAnswered = false;
        int pos = from;
        while (pos <= to)
        {
            int comma = IndexOutsideQuotes(text, ',', pos, to);
            int end = comma < 0 ? to : comma;
            string item = text[pos..end].Trim();
            string where = $"position {pos + 1}";
            if (item.Length == 0)
            {
                error = $"{where}: empty item";
                return false;
            }

            int eq = item.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? "" : item[..eq].Trim().ToLowerInvariant();
            string value = eq < 0 ? item : item[(eq + 1)..].Trim();
            switch (key)
            {
                case "":
                    if (!item.All(c => char.IsAsciiDigit(c) || c is '*' or '?'))
                    {
                        error = $"{where}: \"{item}\" is not a station (digits, * and ?) nor name=, hunt= or cfwd=";
                        return false;
                    }

                    members.Add(item);
                    break;
                case "name":
                    name = value.Trim('"');
                    break;
                case "cfwd":
                    if (value.Length == 0)
                    {
                        error = $"{where}: cfwd= needs a target (an extension, aa, vmNNN)";
                        return false;
                    }

                    cfwd = value;
                    break;
                case "hunt":
                    if (!TryParseHunt(value, out strategy, out ring, out max, out untilAnswered, out string? why))
                    {
                        error = $"{where}: hunt={value}: {why}";
                        return false;
                    }

                    break;
                default:
                    error = $"{where}: unknown parameter \"{key}\" (name=, hunt=, cfwd=)";
                    return false;
            }

            pos = end + 1;
        }

        if (members.Count == 0)
        {
            error = $"position {from + 1}: no stations";
            return false;
        }

        group = new HuntGroup
        {
            Number = number,
            Name = name,
            Members = members,
            Strategy = strategy,
            Ring = TimeSpan.FromSeconds(untilAnswered ? 0 : ring),
            UntilAnswered = untilAnswered,
            Limit = strategy == HuntStrategy.RingAll || untilAnswered ? HuntLimit.Forever : HuntLimit.FromSpa(max, ring),
            Fallback = cfwd,
        };
        return true;
    }

    private static bool TryParseHunt(string value, out HuntStrategy strategy, out int ring, out int max, out bool untilAnswered, out string? why)
    {
        string[] parts = value.Split(';');
        strategy = HuntStrategy.RingAll;
        ring = 15;
        max = 0;
        untilAnswered = false;
        why = null;
        switch (parts[0].Trim().ToLowerInvariant())
        {
            case "al" or "all":
                strategy = HuntStrategy.RingAll;
                break;
            case "re" or "restart":
                strategy = HuntStrategy.Restart;
                break;
            case "ne" or "next":
                strategy = HuntStrategy.Next;
                break;
            case "ra" or "random":
                strategy = HuntStrategy.Random;
                break;
            default:
                why = $"\"{parts[0]}\" is not a hunt algorithm (al, re, ne, ra)";
                return false;
        }

        if (parts.Length > 3)
        {
            why = "at most algo;interval;max";
            return false;
        }

        if (parts.Length > 1)
        {
            string interval = parts[1].Trim();
            if (interval == "*")
            {
                untilAnswered = true;
            }
            else if (!int.TryParse(interval, NumberStyles.None, CultureInfo.InvariantCulture, out ring) || ring is < 1 or > 600)
            {
                why = $"interval \"{interval}\" must be 1 to 600 seconds or *";
                return false;
            }
        }

        if (parts.Length > 2 && (!int.TryParse(parts[2].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out max) || max > 86400))
        {
            why = $"max \"{parts[2]}\" must be seconds, a number of cycles or 0";
            return false;
        }

        return true;
    }

    private static int IndexOutsideQuotes(string s, char c, int from, int to = -1)
    {
        bool quoted = false;
        for (int i = from; i < (to < 0 ? s.Length : to); i++)
        {
            if (s[i] == '"')
            {
                quoted = !quoted;
            }
            else if (s[i] == c && !quoted)
            {
                return i;
            }
        }

        return -1;
    }
}
