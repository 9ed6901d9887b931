using System.Text;

namespace Anchor.Pbx.Routing;

/// <summary>
/// A dial plan in the SPA9000 / SPA9x2 digit-map syntax, so an SPA admin can paste theirs:
/// <c>(&lt;9:&gt;1xxxxxxxxxx|&lt;:1408&gt;[2-9]xxxxxx|011xx.|1900xxxxxxx!)</c>.
/// Elements: a digit, <c>*</c> or <c>#</c>; <c>x</c> (any digit 0–9); <c>[...]</c> (one of, with ranges: <c>[2-9]</c>,
/// <c>[135]</c>, <c>[1-357*]</c>); <c>.</c> (the previous element zero or more times); <c>&lt;dialed:sent&gt;</c>
/// (the dialed digits are replaced by the sent ones: <c>&lt;9:&gt;</c> strips a 9, <c>&lt;:1408&gt;</c> prepends);
/// <c>!</c> at the end bars what matches; alternatives are separated by <c>|</c>, the whole optionally in parentheses.
/// Interdigit timer marks (<c>S0</c>, <c>L4</c>) and the outside-dial-tone comma are accepted and ignored: SIP
/// delivers the number complete, so a pattern here must match all of it.
/// </summary>
public sealed class DigitMap
{
    private readonly Alternative[] _alternatives;

    private DigitMap(string text, Alternative[] alternatives)
    {
        Text = text;
        _alternatives = alternatives;
    }

    public string Text { get; }

    /// <summary>Parses a digit map; <paramref name="error"/> says what is wrong and where.</summary>
    public static bool TryParse(string text, out DigitMap? map, out string? error)
    {
        map = null;
        error = null;
        string s = text.Trim();
        if (s.Length >= 2 && s[0] == '(' && s[^1] == ')')
        {
            s = s[1..^1];
        }

        if (s.Length == 0)
        {
            error = "the pattern is empty";
            return false;
        }

        var alts = new List<Alternative>();
        foreach (string part in s.Split('|'))
        {
            if (!TryParseAlternative(part.Trim(), out Alternative? alt, out error))
            {
                error = $"in \"{part.Trim()}\": {error}";
                return false;
            }

            alts.Add(alt!);
        }

        map = new DigitMap(text, [.. alts]);
        return true;
    }

    public static DigitMap Parse(string text) =>
        TryParse(text, out DigitMap? map, out string? error) ? map! : throw new FormatException($"Digit map \"{text}\": {error}");

    /// <summary>
    /// Matches the whole of <paramref name="dialed"/> against the first alternative that fits; returns the number to send
    /// (after substitutions), or null. <paramref name="barred"/> is set when the matching alternative ends in <c>!</c>.
    /// </summary>
    public string? Match(string dialed, out bool barred)
    {
        barred = false;
        foreach (Alternative alt in _alternatives)
        {
            var sent = new StringBuilder(dialed.Length + 8);
            if (Match(alt.Elements, 0, dialed, 0, sent))
            {
                barred = alt.Barred;
                return sent.ToString();
            }
        }

        return null;
    }

    /// <summary>
    /// Whether some longer input starting with <paramref name="prefix"/> could still match: collecting digits goes on
    /// while this holds (an auto attendant's "1" may be a menu key or the start of extension 101).
    /// </summary>
    public bool CouldExtend(string prefix) => _alternatives.Any(alt => Extends(alt.Elements, 0, prefix, 0));

    private static bool Extends(Element[] elements, int e, string dialed, int pos)
    {
        if (pos == dialed.Length)
        {
            // Everything typed so far fits; more would fit if anything is left to match (a repeat can always take more).
            return e < elements.Length || (e > 0 && elements[e - 1].Kind == ElementKind.Repeat);
        }

        if (e == elements.Length)
        {
            return false;
        }

        Element el = elements[e];
        switch (el.Kind)
        {
            case ElementKind.One:
                return el.Accepts(dialed[pos]) && Extends(elements, e + 1, dialed, pos + 1);
            case ElementKind.Repeat:
            {
                int end = pos;
                while (end < dialed.Length && el.Accepts(dialed[end]))
                {
                    end++;
                }

                for (int p = end; p >= pos; p--)
                {
                    if (p == dialed.Length || Extends(elements, e + 1, dialed, p))
                    {
                        return true;
                    }
                }

                return false;
            }

            default:
                int n = Math.Min(el.Dialed.Length, dialed.Length - pos);
                if (string.CompareOrdinal(dialed, pos, el.Dialed, 0, n) != 0)
                {
                    return false;
                }

                return pos + n == dialed.Length ? (n < el.Dialed.Length || e + 1 < elements.Length) : Extends(elements, e + 1, dialed, pos + n);
        }
    }

    private static bool Match(Element[] elements, int e, string dialed, int pos, StringBuilder sent)
    {
        if (e == elements.Length)
        {
            return pos == dialed.Length;
        }

        Element el = elements[e];
        int mark = sent.Length;
        switch (el.Kind)
        {
            case ElementKind.One:
                if (pos < dialed.Length && el.Accepts(dialed[pos]))
                {
                    sent.Append(dialed[pos]);
                    if (Match(elements, e + 1, dialed, pos + 1, sent))
                    {
                        return true;
                    }
                }

                break;
            case ElementKind.Repeat:
            {
                // Greedy, then give back one at a time.
                int max = pos;
                while (max < dialed.Length && el.Accepts(dialed[max]))
                {
                    max++;
                }

                for (int end = max; end >= pos; end--)
                {
                    sent.Length = mark;
                    sent.Append(dialed, pos, end - pos);
                    if (Match(elements, e + 1, dialed, end, sent))
                    {
                        return true;
                    }
                }

                break;
            }

            case ElementKind.Substitute:
                if (pos + el.Dialed.Length <= dialed.Length && string.CompareOrdinal(dialed, pos, el.Dialed, 0, el.Dialed.Length) == 0)
                {
                    sent.Append(el.Sent);
                    if (Match(elements, e + 1, dialed, pos + el.Dialed.Length, sent))
                    {
                        return true;
                    }
                }

                break;
        }

        sent.Length = mark;
        return false;
    }

    private static bool TryParseAlternative(string s, out Alternative? alt, out string? error)
    {
        alt = null;
        error = null;
        var elements = new List<Element>();
        bool barred = false;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (barred)
            {
                error = $"'!' must end the pattern (found '{c}' after it)";
                return false;
            }

            switch (c)
            {
                case >= '0' and <= '9' or '*' or '#':
                    elements.Add(Element.Set(c.ToString()));
                    break;
                case 'x' or 'X':
                    elements.Add(Element.Set("0123456789"));
                    break;
                case '[':
                {
                    int close = s.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        error = $"'[' at {i + 1} is not closed";
                        return false;
                    }

                    if (!TryExpandSet(s[(i + 1)..close], out string? set, out error))
                    {
                        return false;
                    }

                    elements.Add(Element.Set(set!));
                    i = close;
                    break;
                }

                case '.':
                    if (elements.Count == 0 || elements[^1].Kind != ElementKind.One)
                    {
                        error = $"'.' at {i + 1} must follow a digit, 'x' or '[...]'";
                        return false;
                    }

                    elements[^1] = elements[^1] with { Kind = ElementKind.Repeat };
                    break;
                case '<':
                {
                    int close = s.IndexOf('>', i + 1);
                    int colon = close < 0 ? -1 : s.IndexOf(':', i + 1, close - i - 1);
                    if (close < 0 || colon < 0)
                    {
                        error = $"'<' at {i + 1} needs the form <dialed:sent>";
                        return false;
                    }

                    string dialed = s[(i + 1)..colon].Replace(",", "", StringComparison.Ordinal);
                    string sentText = s[(colon + 1)..close];
                    if (sentText.Contains('@', StringComparison.Ordinal))
                    {
                        error = "gateway selection (<:@gw>) is not supported: give the rule a Trunk instead";
                        return false;
                    }

                    if (!IsDigits(dialed) || !IsDigits(sentText))
                    {
                        error = $"<{s[(i + 1)..close]}> may hold only digits, '*' and '#'";
                        return false;
                    }

                    elements.Add(new Element(ElementKind.Substitute, "", dialed, sentText));
                    i = close;
                    break;
                }

                case ',':
                    break; // outside dial tone: nothing to do over SIP
                case 'S' or 'L' when i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]):
                    i++; // interdigit timer: the number arrives complete
                    break;
                case '!':
                    barred = true;
                    break;
                case ' ':
                    break;
                default:
                    error = $"'{c}' at {i + 1} is not a digit-map element";
                    return false;
            }
        }

        if (elements.Count == 0)
        {
            error = "the alternative is empty";
            return false;
        }

        alt = new Alternative([.. elements], barred);
        return true;
    }

    private static bool TryExpandSet(string body, out string? set, out string? error)
    {
        set = null;
        error = null;
        var sb = new StringBuilder();
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (!IsDialChar(c))
            {
                error = $"'[{body}]' holds '{c}', which is not a digit, '*' or '#'";
                return false;
            }

            if (i + 2 < body.Length && body[i + 1] == '-')
            {
                char hi = body[i + 2];
                if (!char.IsAsciiDigit(c) || !char.IsAsciiDigit(hi) || hi < c)
                {
                    error = $"'[{body}]' has a bad range {c}-{hi}";
                    return false;
                }

                for (char d = c; d <= hi; d++)
                {
                    sb.Append(d);
                }

                i += 2;
            }
            else
            {
                sb.Append(c);
            }
        }

        if (sb.Length == 0)
        {
            error = "'[]' is empty";
            return false;
        }

        set = sb.ToString();
        return true;
    }

    private static bool IsDialChar(char c) => char.IsAsciiDigit(c) || c is '*' or '#';

    private static bool IsDigits(string s) => s.All(IsDialChar);

    private enum ElementKind
    {
        One,
        Repeat,
        Substitute,
    }

    private sealed record Element(ElementKind Kind, string Chars, string Dialed, string Sent)
    {
        public static Element Set(string chars) => new(ElementKind.One, chars, "", "");

        public bool Accepts(char c) => Chars.Contains(c, StringComparison.Ordinal);
    }

    private sealed record Alternative(Element[] Elements, bool Barred);
}
