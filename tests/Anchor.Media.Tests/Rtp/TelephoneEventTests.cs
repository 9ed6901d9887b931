using System.Buffers.Binary;
using Anchor.Media.Rtp;
using Xunit;

namespace Anchor.Media.Tests.Rtp;

/// <summary>RFC 4733 receiving: one report per key press, whatever the retransmissions and losses.</summary>
public class TelephoneEventTests
{
    private static byte[] Payload(int ev, bool end, int duration)
    {
        byte[] p = new byte[4];
        p[0] = (byte)ev;
        p[1] = (byte)((end ? 0x80 : 0) | 10);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)duration);
        return p;
    }

    private static string Feed(TelephoneEventReceiver r, params (uint Ts, int Ev, bool End, int Duration)[] packets) =>
        string.Concat(packets.Select(p => r.OnPacket(1234, p.Ts, Payload(p.Ev, p.End, p.Duration))).Where(c => c != '\0'));

    [Fact]
    public void A_key_press_like_the_sipp_pcaps_is_reported_once()
    {
        // 7 packets of growing duration, then the end packet three times (SIPp's pcaps: one sequence number for all three).
        var r = new TelephoneEventReceiver();
        var packets = Enumerable.Range(1, 7).Select(i => (1000u, 1, false, i * 320))
            .Concat(Enumerable.Repeat((1000u, 1, true, 2240), 3)).ToArray();
        Assert.Equal("1", Feed(r, packets));
    }

    [Fact]
    public void The_same_key_twice_is_two_presses_and_a_lost_start_is_tolerated()
    {
        var r = new TelephoneEventReceiver();
        Assert.Equal("55", Feed(r,
            (160, 5, false, 160), (160, 5, false, 320), (160, 5, true, 480), (160, 5, true, 480), (160, 5, true, 480),
            (2000, 5, false, 480), (2000, 5, true, 640))); // second press: its first two packets were lost
        Assert.Equal(2, r.Reported);
    }

    [Fact]
    public void Keys_in_a_row_and_every_key_code()
    {
        var r = new TelephoneEventReceiver();
        string keys = "0123456789*#ABCD";
        var packets = keys.Select((k, i) => ((uint)(i * 2000), TelephoneEvents.CodeOf(k), true, 800)).ToArray();
        Assert.Equal(keys, Feed(r, packets));
    }

    [Fact]
    public void A_long_event_continued_in_a_new_segment_is_one_press()
    {
        // §2.5.1.3: after 0xFFFF units the sender starts a new segment with a new timestamp, same event, no end bit yet.
        var r = new TelephoneEventReceiver();
        Assert.Equal("9", Feed(r, (0, 9, false, 65000), (0, 9, false, 65535), (65535, 9, false, 1000), (65535, 9, true, 2000)));
    }

    [Fact]
    public void The_sender_sends_marker_growing_durations_and_three_ends()
    {
        var s = new TelephoneEventSender(TimeSpan.FromMilliseconds(100));
        s.Enqueue("7x#"); // x is not a key: skipped
        var r = new TelephoneEventReceiver();
        byte[] p = new byte[4];
        var starts = new List<int>();
        var durations = new List<int>();
        string heard = "";
        uint ts = 0;
        for (int frame = 0; frame < 40 && s.Busy; frame++)
        {
            if (!s.TryNext(p, out bool start))
            {
                continue;
            }

            if (start)
            {
                starts.Add(frame);
                ts = (uint)(frame * 160);
            }

            durations.Add(BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(2)));
            char k = r.OnPacket(1, ts, p);
            heard += k == '\0' ? "" : k.ToString();
        }

        Assert.Equal("7#", heard);
        Assert.Equal([0, 8], starts); // 4 packets, the end packet 3 times (100 ms held), a gap frame, then the next key
        Assert.Equal([160, 320, 480, 640, 800, 800, 800], durations.Take(7));
    }
}
