using System.Collections.Concurrent;

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

        if (_values.TryGetValue(value, out string? shared))
        {
            return shared;
        }

        return _values.Count < capacity ? _values.GetOrAdd(value, value) : value;
    }
}
