using Anchor.Sip.Auth;

namespace Anchor.Sip.Tests.Auth;

public sealed class Hmac256Tests
{
    [Fact]
    public void Rfc4231_test_case_2_on_every_thread_and_again_on_the_same_one()
    {
        var mac = new Hmac256("Jefe"u8.ToArray());
        string Run()
        {
            Span<byte> m = stackalloc byte[32];
            mac.Compute("what do ya want for nothing?"u8, m);
            return Convert.ToHexStringLower(m);
        }

        const string Expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        Assert.Equal(Expected, Run());
        Assert.Equal(Expected, Run()); // the reused context was reset
        Assert.All(Enumerable.Range(0, 4).Select(_ => Task.Run(Run)).Select(t => t.Result), r => Assert.Equal(Expected, r));
    }

    [Fact]
    public void Random_bytes_from_the_pool_do_not_repeat_across_refills()
    {
        var seen = new HashSet<string>();
        Span<byte> b = stackalloc byte[12];
        for (int i = 0; i < 500; i++) // 6,000 bytes: the 512-byte pool is refilled eleven times
        {
            RandomBytes.Fill(b);
            Assert.True(seen.Add(Convert.ToHexString(b)));
        }

        Span<byte> big = stackalloc byte[100]; // past the pool's pieces: straight from the generator
        RandomBytes.Fill(big);
        Assert.Contains(big.ToArray(), x => x != 0);
    }
}
