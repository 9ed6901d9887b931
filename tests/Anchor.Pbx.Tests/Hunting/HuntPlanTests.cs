using Anchor.Pbx.Hunting;
using Xunit;

namespace Anchor.Pbx.Tests.Hunting;

public sealed class HuntPlanTests
{
    private static readonly string[] Members = ["101", "102", "103"];

    private static string[] Order(HuntStrategy s, string? last = null, int seed = 1) =>
        HuntPlan.Cycle(s, Members, last, new Random(seed)).Select(step => string.Join("+", step)).ToArray();

    [Fact]
    public void Ring_all_is_one_step_with_everyone() => Assert.Equal(["101+102+103"], Order(HuntStrategy.RingAll));

    [Fact]
    public void Restart_starts_from_the_first_every_call()
    {
        Assert.Equal(["101", "102", "103"], Order(HuntStrategy.Restart));
        Assert.Equal(["101", "102", "103"], Order(HuntStrategy.Restart, last: "102"));
    }

    [Fact]
    public void Next_starts_after_the_member_used_last_and_wraps()
    {
        Assert.Equal(["101", "102", "103"], Order(HuntStrategy.Next));
        Assert.Equal(["103", "101", "102"], Order(HuntStrategy.Next, last: "102"));
        Assert.Equal(["101", "102", "103"], Order(HuntStrategy.Next, last: "103"));
        Assert.Equal(["101", "102", "103"], Order(HuntStrategy.Next, last: "199")); // a member since removed
    }

    [Fact]
    public void Random_rings_each_member_exactly_once_in_varying_orders()
    {
        var orders = new HashSet<string>();
        for (int seed = 0; seed < 50; seed++)
        {
            string[] o = Order(HuntStrategy.Random, seed: seed);
            Assert.Equal(Members.Order(), o.Order());
            orders.Add(string.Join(",", o));
        }

        Assert.True(orders.Count > 1, "fifty shuffles gave one order");
    }

    [Fact]
    public void Memory_adds_one_member_per_step() => Assert.Equal(["101", "101+102", "101+102+103"], Order(HuntStrategy.Memory));

    [Theory]
    [InlineData(0, 10, 0, 0)]
    [InlineData(60, 15, 60, 0)]
    [InlineData(2, 10, 0, 2)]
    [InlineData(10, 10, 10, 0)]
    public void The_spa_rule_for_max(int max, int ring, int seconds, int cycles) =>
        Assert.Equal(new HuntLimit(TimeSpan.FromSeconds(seconds), cycles), HuntLimit.FromSpa(max, ring));
}
