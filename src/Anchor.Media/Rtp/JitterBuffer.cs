namespace Anchor.Media.Rtp;

/// <summary>
/// A small jitter buffer for what Anchor records: RTP payloads put back in sequence order within a window of a few
/// frames, late ones dropped, lost ones concealed (the last frame again, at half the level, then silence). Payloads
/// are G.711 (one byte per sample), copied into slots allocated once.
/// </summary>
public sealed class JitterBuffer
{
    private const int Slots = 16;
    private readonly byte[][] _payload = new byte[Slots][];
    private readonly int[] _length = new int[Slots];
    private readonly bool[] _present = new bool[Slots];
    private readonly int _depth;
    private bool _started;
    private ushort _next;
    private int _buffered;
    private int _lastLength = 160;
    private int _concealedInARow;

    /// <param name="depth">Frames held before a missing one is given up for lost (3: 60 ms at 20 ms frames).</param>
    public JitterBuffer(int depth = 3)
    {
        _depth = Math.Clamp(depth, 1, Slots - 2);
        for (int i = 0; i < Slots; i++)
        {
            _payload[i] = new byte[320];
        }
    }

    public long Lost { get; private set; }

    public long Late { get; private set; }

    /// <summary>Adds a packet's payload.</summary>
    public void Push(ushort sequence, ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty || payload.Length > 320)
        {
            return;
        }

        if (!_started)
        {
            _started = true;
            _next = sequence;
        }

        short ahead = (short)(sequence - _next);
        if (ahead < 0)
        {
            Late++; // already played out (or concealed): too late
            return;
        }

        if (ahead >= Slots - 1)
        {
            // A jump (the sender restarted, or a long gap): start over from here.
            Array.Clear(_present);
            _buffered = 0;
            _next = sequence;
        }

        int slot = sequence % Slots;
        if (_present[slot])
        {
            return; // a duplicate
        }

        payload.CopyTo(_payload[slot]);
        _length[slot] = payload.Length;
        _present[slot] = true;
        _buffered++;
    }

    /// <summary>
    /// The next frame in order, into <paramref name="frame"/> (at least 320 bytes); its length, or 0 when it should
    /// still be waited for. <paramref name="concealed"/> when the frame was lost and this is its stand-in (the caller
    /// decodes: a concealed frame is flagged so the caller can halve or silence it).
    /// </summary>
    public int TryPop(Span<byte> frame, out bool concealed, bool flush = false)
    {
        concealed = false;
        int slot = _next % Slots;
        if (_present[slot])
        {
            int n = _length[slot];
            _payload[slot].AsSpan(0, n).CopyTo(frame);
            _present[slot] = false;
            _buffered--;
            _next++;
            _lastLength = n;
            _concealedInARow = 0;
            return n;
        }

        if (_buffered == 0 || (_buffered < _depth && !flush))
        {
            return 0;
        }

        // Lost: stand in for it. The caller repeats the last frame once at half level, then plays silence.
        concealed = true;
        Lost++;
        _next++;
        _concealedInARow++;
        frame[.._lastLength].Clear();
        return _lastLength;
    }

    /// <summary>How many frames in a row have been concealed (1: repeat the last at half level; more: silence).</summary>
    public int ConcealedInARow => _concealedInARow;
}
