using System.Runtime.CompilerServices;

namespace Anchor.Sip.Message;

/// <summary>
/// Header lines of one message: the first 32 live inline in the message object (no extra allocation for
/// an ordinary message), the rest in an overflow array.
/// </summary>
internal struct HeaderTable
{
    private const int InlineCount = 32;
    private InlineHeaders _inline;
    private HeaderField[]? _overflow;

    public int Count { get; private set; }

    public readonly HeaderField this[int i] => i < InlineCount ? _inline[i] : _overflow![i - InlineCount];

    public void Add(in HeaderField f)
    {
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
}
