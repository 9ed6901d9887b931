using Anchor.Pbx.Hunting;
using Xunit;

namespace Anchor.Pbx.Tests.Hunting;

/// <summary>The SPA9000 hunt-group and Contact List syntax, with the administration guide's own examples.</summary>
public sealed class SpaHuntTests
{
    [Fact]
    public void Ring_all_group_from_the_guide()
    {
        Assert.True(SpaHunt.TryParseGroup("500:name=\"Sales\",101,102,103,hunt=al", out HuntGroup? g, out string? error), error);
        Assert.Equal("500", g!.Number);
        Assert.Equal("Sales", g.Name);
        Assert.Equal(["101", "102", "103"], g.Members);
        Assert.Equal(HuntStrategy.RingAll, g.Strategy);
        Assert.True(g.Limit.IsForever);
        Assert.Null(g.Fallback);
    }

    [Fact]
    public void Next_with_seconds_and_forward_from_the_guide()
    {
        Assert.True(SpaHunt.TryParseGroup("500:name=\"Scheduling\",102,103,101,hunt=ne;45;240,cfwd=100", out HuntGroup? g, out string? error), error);
        Assert.Equal(["102", "103", "101"], g!.Members);
        Assert.Equal(HuntStrategy.Next, g.Strategy);
        Assert.Equal(TimeSpan.FromSeconds(45), g.Ring);
        Assert.Equal(new HuntLimit(TimeSpan.FromSeconds(240), 0), g.Limit); // max above the interval: seconds
        Assert.Equal("100", g.Fallback);
    }

    [Fact]
    public void A_max_below_the_interval_counts_cycles_and_zero_is_for_ever()
    {
        Assert.True(SpaHunt.TryParseGroup("501:name=\"Support\",102,103,hunt=ra;10;2,cfwd=aa", out HuntGroup? g, out _));
        Assert.Equal(HuntStrategy.Random, g!.Strategy);
        Assert.Equal(new HuntLimit(TimeSpan.Zero, 2), g.Limit);
        Assert.Equal("aa", g.Fallback);
        Assert.True(SpaHunt.TryParseGroup("502:102,103,hunt=re;10;0", out g, out _));
        Assert.Equal(HuntStrategy.Restart, g!.Strategy);
        Assert.True(g.Limit.IsForever);
        Assert.True(SpaHunt.TryParseGroup("503:102,103,hunt=re;*;1", out g, out _));
        Assert.True(g!.UntilAnswered);
    }

    [Fact]
    public void Contact_list_with_two_rules_from_the_guide()
    {
        const string text = "6001:name=TechSupport,5021,5020,5019,hunt=ne;6;3,cfwd=aa|6002:name=Sales,5013,5014,5026,hunt=ra;4;1,cfwd=vm25026";
        Assert.True(SpaHunt.TryParseContactList(text, "Trunks[0].Inbound", out List<ContactRule>? rules, out string? error), error);
        Assert.Equal(2, rules!.Count);
        Assert.Equal("6001", rules[0].Did);
        Assert.Equal("TechSupport", rules[0].Group.Name);
        Assert.Equal(["5021", "5020", "5019"], rules[0].Group.Members);
        Assert.Equal(new HuntLimit(TimeSpan.Zero, 3), rules[0].Group.Limit);
        Assert.Equal("aa", rules[0].Group.Fallback);
        Assert.Equal(HuntStrategy.Random, rules[1].Group.Strategy);
        Assert.Equal("vm25026", rules[1].Group.Fallback);
        Assert.True(rules[1].Matches("6002"));
        Assert.False(rules[1].Matches("6001"));
    }

    [Fact]
    public void A_rule_without_a_did_takes_every_did_and_stations_may_be_wildcards()
    {
        Assert.True(SpaHunt.TryParseContactList("530?,hunt=ra;10;1,cfwd=vm5404", "x", out List<ContactRule>? rules, out string? error), error);
        ContactRule rule = Assert.Single(rules!);
        Assert.Null(rule.Did);
        Assert.True(rule.Matches("15551230000"));
        Assert.Equal(["530?"], rule.Group.Members);
        Assert.True(SpaHunt.TryParseContactList("1555123*:101|?:102", "x", out rules, out _));
        Assert.True(rules![0].Matches("15551239999"));
        Assert.False(rules[1].Matches("12"));
        Assert.True(rules[1].Matches("7"));
    }

    [Fact]
    public void Without_hunt_every_station_rings_at_once()
    {
        Assert.True(SpaHunt.TryParseContactList("101,102", "x", out List<ContactRule>? rules, out _));
        Assert.Equal(HuntStrategy.RingAll, Assert.Single(rules!).Group.Strategy);
    }

    [Theory]
    [InlineData("500:101,hunt=zz;10;1", "position 9: hunt=zz;10;1: \"zz\" is not a hunt algorithm")]
    [InlineData("500:101,,102", "position 9: empty item")]
    [InlineData("500:101,1a2", "position 9: \"1a2\" is not a station")]
    [InlineData("500:101,hunt=ne;0;1", "interval \"0\" must be 1 to 600 seconds or *")]
    [InlineData("500:101,colour=red", "position 9: unknown parameter \"colour\"")]
    [InlineData("500:name=x", "position 5: no stations")]
    [InlineData("101,102", "position 1: a hunt group starts with its number and a colon")]
    [InlineData("5x0:101", "position 1: \"5x0\" is not a number")]
    [InlineData("500:101,cfwd=", "cfwd= needs a target")]
    public void Errors_name_the_position(string text, string expected)
    {
        Assert.False(SpaHunt.TryParseGroup(text, out _, out string? error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Contact_list_errors_name_the_position_in_the_whole_text()
    {
        Assert.False(SpaHunt.TryParseContactList("6001:101|6x02:102", "x", out _, out string? error));
        Assert.StartsWith("position 10:", error);
        Assert.False(SpaHunt.TryParseContactList("6001:101|6002:102,hunt=ne;x", "x", out _, out error));
        Assert.StartsWith("position 19:", error);
    }

    [Fact]
    public void Quoted_names_may_hold_commas_and_bars()
    {
        Assert.True(SpaHunt.TryParseContactList("1:name=\"Sales, EMEA|West\",101|2:102", "x", out List<ContactRule>? rules, out string? error), error);
        Assert.Equal("Sales, EMEA|West", rules![0].Group.Name);
        Assert.Equal(2, rules.Count);
    }
}
