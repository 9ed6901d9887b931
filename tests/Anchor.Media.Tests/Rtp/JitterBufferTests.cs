using Anchor.Media.Rtp;
using Xunit;

namespace Anchor.Media.Tests.Rtp;

public class JitterBufferTests
{
    private static byte[] Frame(byte v) => Enumerable.Repeat(v, 160).ToArray();

    private static List<(int Value, bool Concealed)> PopAll(JitterBuffer j, bool flush = false)
    {
        var got = new List<(int, bool)>();
        byte[] f = new byte[320];
        int n;
        while ((n = j.TryPop(f, out bool concealed, flush)) > 0)
        {
            got.Add((concealed ? -1 : f[0], concealed));
        }

        return got;
    }

    [Fact]
    public void Reorders_within_its_depth()
    {
        var j = new JitterBuffer(depth: 3);
        j.Push(10, Frame(10));
        j.Push(12, Frame(12));
        j.Push(11, Frame(11));
        j.Push(13, Frame(13));
        Assert.Equal([(10, false), (11, false), (12, false), (13, false)], PopAll(j));
        Assert.Equal(0, j.Lost);
    }

    [Fact]
    public void A_lost_frame_is_concealed_once_later_ones_have_waited_long_enough()
    {
        var j = new JitterBuffer(depth: 3);
        j.Push(1, Frame(1));
        j.Push(3, Frame(3));
        Assert.Equal([(1, false)], PopAll(j)); // 2 is missing; only one frame after it: wait
        j.Push(4, Frame(4));
        j.Push(5, Frame(5));
        Assert.Equal([(-1, true), (3, false), (4, false), (5, false)], PopAll(j));
        Assert.Equal(1, j.Lost);
        j.Push(2, Frame(2)); // too late now
        Assert.Empty(PopAll(j));
        Assert.Equal(1, j.Late);
    }

    [Fact]
    public void Wraps_around_the_sequence_space_and_drops_duplicates()
    {
        var j = new JitterBuffer();
        foreach (ushort s in new ushort[] { 65534, 65535, 65535, 0, 1 })
        {
            j.Push(s, Frame((byte)(s % 250)));
        }

        Assert.Equal(4, PopAll(j).Count);
    }

    [Fact]
    public void A_jump_starts_over_and_flush_gives_up_on_gaps()
    {
        var j = new JitterBuffer();
        j.Push(100, Frame(1));
        PopAll(j);
        j.Push(5000, Frame(2)); // the sender restarted
        j.Push(5002, Frame(3));
        Assert.Equal([(2, false), (-1, true), (3, false)], PopAll(j, flush: true));
    }
}
