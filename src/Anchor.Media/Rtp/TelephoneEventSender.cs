using System.Buffers.Binary;

namespace Anchor.Media.Rtp;

/// <summary>
/// Sends keys as RFC 4733 telephone-events, one packet per 20 ms frame in place of audio: the first with the marker
/// bit, the timestamp fixed at the event's start, the duration growing by 160 each packet, then the end packet three
/// times (§2.5.1.4), then a gap of one frame before the next key.
/// </summary>
public sealed class TelephoneEventSender
{
    private const int Volume = 10; // −10 dBm0, as the SIPp pcaps and most phones send
    private readonly Queue<char> _keys = new();
    private readonly int _packetsPerKey;
    private int _code = -1;
    private int _sent;
    private int _ends;
    private bool _gap;

    /// <param name="keyDuration">How long each key is held (100 ms by default: 5 packets).</param>
    public TelephoneEventSender(TimeSpan? keyDuration = null) =>
        _packetsPerKey = Math.Max(1, (int)((keyDuration ?? TimeSpan.FromMilliseconds(100)).TotalMilliseconds / 20));

    public bool Busy => _code >= 0 || _keys.Count > 0 || _gap;

    public void Enqueue(string keys)
    {
        foreach (char k in keys)
        {
            if (TelephoneEvents.CodeOf(k) >= 0)
            {
                _keys.Enqueue(k);
            }
        }
    }

    /// <summary>
    /// The payload for this frame, if a key is being sent: 4 bytes into <paramref name="payload"/>;
    /// <paramref name="startsEvent"/> on the first packet (marker bit, and the caller fixes the timestamp there).
    /// False when this frame carries no event (audio, or the gap between keys).
    /// </summary>
    public bool TryNext(Span<byte> payload, out bool startsEvent)
    {
        startsEvent = false;
        if (_code < 0)
        {
            if (_gap)
            {
                _gap = false;
                return false;
            }

            if (!_keys.TryDequeue(out char k))
            {
                return false;
            }

            _code = TelephoneEvents.CodeOf(k);
            _sent = 0;
            _ends = 0;
            startsEvent = true;
        }

        bool end = _sent >= _packetsPerKey - 1;
        if (!end)
        {
            _sent++;
        }

        payload[0] = (byte)_code;
        payload[1] = (byte)((end ? 0x80 : 0) | Volume);
        BinaryPrimitives.WriteUInt16BigEndian(payload[2..], (ushort)(Math.Min(_sent + (end ? 1 : 0), _packetsPerKey) * 160));
        if (end && ++_ends == 3)
        {
            _code = -1;
            _gap = true;
        }

        return true;
    }
}
