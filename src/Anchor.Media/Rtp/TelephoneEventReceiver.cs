using System.Buffers.Binary;

namespace Anchor.Media.Rtp;

/// <summary>
/// Hears key presses in RFC 4733 telephone-events, whatever payload type carries them. A key press is one event at
/// one RTP timestamp (§2.5.1.1: the timestamp is the event's start and stays fixed), so packets are de-duplicated by
/// (SSRC, timestamp, event), never by sequence number (SIPp's pcaps repeat the end packet with one sequence number,
/// its play_dtmf with rising ones). The key is reported on the first packet seen of it: a lost first packet costs
/// nothing, and barge-in does not wait for the key to be released. A long event continued in a new segment (§2.5.1.3:
/// a new timestamp, same event, no end bit yet) is the same key press.
/// </summary>
public sealed class TelephoneEventReceiver
{
    private bool _any;
    private uint _ssrc;
    private uint _timestamp;
    private int _event = -1;
    private int _duration;
    private bool _ended;

    /// <summary>Keys reported so far.</summary>
    public int Reported { get; private set; }

    /// <summary>One telephone-event packet's payload; returns the key when it starts a new key press, else '\0'.</summary>
    public char OnPacket(uint ssrc, uint timestamp, ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4)
        {
            return '\0';
        }

        int code = payload[0];
        bool end = (payload[1] & 0x80) != 0;
        int duration = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
        if (_any && ssrc == _ssrc && timestamp == _timestamp && code == _event)
        {
            _ended |= end;
            _duration = Math.Max(_duration, duration);
            return '\0'; // the same key press: a later packet of it, or a repeated end packet
        }

        bool continuation = _any && ssrc == _ssrc && code == _event && !_ended
            && (uint)(timestamp - _timestamp) <= (uint)_duration + 1600; // within 200 ms of where the last segment ended
        _any = true;
        _ssrc = ssrc;
        _timestamp = timestamp;
        _event = code;
        _duration = duration;
        _ended = end;
        if (continuation)
        {
            return '\0';
        }

        char key = TelephoneEvents.KeyOf(code);
        if (key != '\0')
        {
            Reported++;
        }

        return key;
    }
}
