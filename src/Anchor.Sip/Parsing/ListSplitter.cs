using Anchor.Sip.Text;

namespace Anchor.Sip.Parsing;

/// <summary>
/// Splits a header value into its comma-separated items (§7.3.1), ignoring commas inside quoted strings
/// and inside &lt;...&gt;. Items are returned with surrounding LWS trimmed; an empty item is a syntax error.
/// </summary>
internal static class ListSplitter
{
    /// <returns>false at the end of the value.</returns>
    public static bool Next(ReadOnlySpan<byte> s, ref int pos, out Segment item, out bool malformed)
    {
        malformed = false;
        item = default;
        if (pos > s.Length)
        {
            return false;
        }

        int start = pos;
        bool inQuotes = false, inAngle = false;
        int i = pos;
        for (; i < s.Length; i++)
        {
            if (!inQuotes)
            {
                // Jump to the next byte that matters: , " < > \ (a vectorised scan over plain text).
                int skip = s[i..].IndexOfAny(SipChars.ListSpecials);
                if (skip < 0)
                {
                    i = s.Length;
                    break;
                }

                i += skip;
            }

            byte b = s[i];
            if (inQuotes)
            {
                if (b == '\\')
                {
                    i++;
                }
                else if (b == '"')
                {
                    inQuotes = false;
                }
            }
            else if (b == '"')
            {
                inQuotes = true;
            }
            else if (b == '<')
            {
                inAngle = true;
            }
            else if (b == '>')
            {
                inAngle = false;
            }
            else if (b == ',' && !inAngle)
            {
                break;
            }
        }

        int end = Math.Min(i, s.Length);
        pos = i + 1;

        // Trim LWS.
        while (start < end && SipChars.IsLws(s[start]))
        {
            start++;
        }

        while (end > start && SipChars.IsLws(s[end - 1]))
        {
            end--;
        }

        item = new Segment(start, end - start);
        if (item.IsEmpty)
        {
            malformed = true;
        }

        return true;
    }
}
