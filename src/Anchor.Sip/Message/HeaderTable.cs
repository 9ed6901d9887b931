using System.Runtime.CompilerServices;

namespace Anchor.Sip.Message;

/// <summary>
/// Header lines of one message: the first 32 live inline in the message object (no extra allocation for
/// an ordinary message), the rest in an overflow array.
/// </summary>
internal struct HeaderTable
{
    private const int InlineCount = 24;
    private const int KindCount = (int)HeaderKind.Warning + 1;
    private InlineHeaders _inline;
    private HeaderField[]? _overflow;

    /// <summary>Index + 1 of the first header of each kind (0: none), so the common lookups cost one load.</summary>
    private FirstIndex _first;

    public int Count { get; private set; }

    public readonly HeaderField this[int i] => i < InlineCount ? _inline[i] : _overflow![i - InlineCount];

    /// <summary>The first header of a known kind, or -1.</summary>
    public readonly int First(HeaderKind kind) => _first[(int)kind] - 1;

    public void Add(in HeaderField f)
    {
        if (f.Kind != HeaderKind.Unknown && _first[(int)f.Kind] == 0)
        {
            _first[(int)f.Kind] = (short)(Count + 1);
        }

        if (Count < InlineCount)
        {
            _inline[Count] = f;
        }
        else
        {
            int k = Count - InlineCount;
            if (_overflow is null || k == _overflow.Length)
            {
                Array.Resize(ref _overflow, Math.Max(16, k * 2));
            }

            _overflow[k] = f;
        }

        Count++;
    }

    [InlineArray(InlineCount)]
    private struct InlineHeaders
    {
        private HeaderField _e;
    }

    [InlineArray(KindCount)]
    private struct FirstIndex
    {
        private short _e;
    }
}
