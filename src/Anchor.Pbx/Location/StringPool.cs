using System.Collections.Concurrent;
using System.Text;

namespace Anchor.Pbx.Location;

/// <summary>
/// A bounded set of shared strings for values many long-lived records repeat (a phone model's User-Agent): the first
/// <c>capacity</c> distinct values are kept and handed out again; past that a value is returned as it came, so a peer
/// sending a new value with every request cannot grow the pool.
/// </summary>
public sealed class StringPool(int capacity)
{
    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);

    public int Count => _values.Count;

    public string? Intern(string? value)
    {
        if (value is null)
        {
            return null;
        }

        return _values.TryGetValue(value, out string? shared) ? shared : Keep(value);
    }

    /// <summary>The shared string for UTF-8 <paramref name="utf8"/>, made only when the pool does not hold it yet.</summary>
    public string InternUtf8(ReadOnlySpan<byte> utf8)
    {
        Span<char> chars = stackalloc char[256];
        if (utf8.Length <= chars.Length && Encoding.UTF8.TryGetChars(utf8, chars, out int n)
            && _values.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..n], out string? shared))
        {
            return shared;
        }

        return Keep(Encoding.UTF8.GetString(utf8));
    }

    /// <summary>A value the pool did not hold: kept while there is room, else returned as it came.</summary>
    private string Keep(string value) => _values.Count < capacity ? _values.GetOrAdd(value, value) : value;
}
