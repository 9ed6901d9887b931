using Anchor.Pbx.Routing;
using Xunit;

namespace Anchor.Pbx.Tests.Routing;

/// <summary>The digit-map examples of the SPA9000 administration guide, and the errors an admin can make.</summary>
public sealed class DigitMapTests
{
    [Theory]
    // Access code 9 stripped before a North American number; 7-digit local with an area code prepended.
    [InlineData("(<9:>1xxxxxxxxxx|<9:>xxxxxxx)", "914085551212", "14085551212")]
    [InlineData("(<9:>1xxxxxxxxxx|<9:>xxxxxxx)", "95551212", "5551212")]
    [InlineData("<:1408>[2-9]xxxxxx", "5551212", "14085551212")]
    [InlineData("<8:1650>xxxxxxx", "85551212", "16505551212")]
    // Ranges and sets.
    [InlineData("1[2-9]xx[2-9]xxxxxx", "14085551212", "14085551212")]
    [InlineData("[135]xx", "321", "321")]
    [InlineData("[1-357]x", "50", "50")]
    // '.' repeats the previous element zero or more times.
    [InlineData("011xxxxxxxxx.", "011441234567890", "011441234567890")]
    [InlineData("xx.", "12", "12")]
    [InlineData("xx.", "1234567", "1234567")]
    [InlineData("x.", "", "")]
    [InlineData("*xx", "*69", "*69")]
    [InlineData("#9x.", "#91", "#91")]
    // Outside dial tone and timers are ignored; '.' backtracks so a literal can follow.
    [InlineData("<9,:>1xxxxxxxxxx", "914085551212", "14085551212")]
    [InlineData("xx.S0", "4155", "4155")]
    [InlineData("x.0", "1230", "1230")]
    [InlineData("(*xx|[3469]11|0|00|[2-9]xxxxxx|1xxx[2-9]xxxxxxS0|xxxxxxxxxxxx.)", "911", "911")]
    [InlineData("(*xx|[3469]11|0|00|[2-9]xxxxxx|1xxx[2-9]xxxxxxS0|xxxxxxxxxxxx.)", "14085551212", "14085551212")]
    public void Matches_and_substitutes(string map, string dialed, string sent)
    {
        Assert.Equal(sent, DigitMap.Parse(map).Match(dialed, out bool barred));
        Assert.False(barred);
    }

    [Theory]
    [InlineData("(<9:>1xxxxxxxxxx|<9:>xxxxxxx)", "14085551212")] // no access code
    [InlineData("(<9:>1xxxxxxxxxx|<9:>xxxxxxx)", "9555121")] // too short
    [InlineData("[2-9]xxxxxx", "1555121")]
    [InlineData("xx.", "")] // at least one digit
    [InlineData("x", "*")] // x is a digit only
    [InlineData("<9:>x", "9")]
    [InlineData("x.0", "1231")]
    public void Does_not_match(string map, string dialed) => Assert.Null(DigitMap.Parse(map).Match(dialed, out _));

    [Fact]
    public void First_matching_alternative_wins_and_bang_bars()
    {
        DigitMap map = DigitMap.Parse("(<9:>1900xxxxxxx!|<9:>1xxxxxxxxxx)");
        Assert.Equal("19005551212", map.Match("919005551212", out bool barred));
        Assert.True(barred);
        Assert.Equal("14085551212", map.Match("914085551212", out barred));
        Assert.False(barred);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("[2-9", "not closed")]
    [InlineData(".x", "must follow")]
    [InlineData("<9>x", "<dialed:sent>")]
    [InlineData("<:@gw0>x.", "gateway selection")]
    [InlineData("[9-2]x", "bad range")]
    [InlineData("xa", "'a' at 2")]
    [InlineData("x!x", "must end")]
    [InlineData("x||x", "empty")]
    public void Bad_patterns_say_why(string map, string expected)
    {
        Assert.False(DigitMap.TryParse(map, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Dial_plan_takes_the_first_rule_that_matches()
    {
        var plan = new DialPlan([new(DigitMap.Parse("<9:>011x."), "intl"), new(DigitMap.Parse("<9:>1xxxxxxxxxx"), "itsp")]);
        Assert.Equal(new DialResult("itsp", "14085551212", false), plan.Resolve("914085551212"));
        Assert.Equal(new DialResult("intl", "0114412345", false), plan.Resolve("90114412345"));
        Assert.Null(plan.Resolve("5551212"));
    }

    [Theory]
    [InlineData("(1|2|101|102|*)", "1", true)] // a menu key, or the start of 101
    [InlineData("(1|2|101|102|*)", "10", true)]
    [InlineData("(1|2|101|102|*)", "101", false)]
    [InlineData("(1|2|101|102|*)", "2", false)]
    [InlineData("(1|2|101|102|*)", "3", false)]
    [InlineData("(<9:>xx.|[1-8]xx)", "9", true)]
    [InlineData("(<9:>xx.|[1-8]xx)", "95551212", true)] // a repeat can always take more
    [InlineData("(<9:>xx.|[1-8]xx)", "12", true)]
    [InlineData("(<9:>xx.|[1-8]xx)", "123", false)]
    public void Could_extend_says_whether_collecting_goes_on(string map, string typed, bool more) =>
        Assert.Equal(more, DigitMap.Parse(map).CouldExtend(typed));

    [Fact]
    public void Targets_in_the_one_syntax()
    {
        var owners = new Dictionary<string, NumberKind> { ["101"] = NumberKind.Extension, ["400"] = NumberKind.AutoAttendant, ["*97"] = NumberKind.FeatureCode };
        var boxes = new HashSet<string> { "101" };
        Assert.True(Target.TryParse("101", owners, boxes, out Target? t, out _));
        Assert.Equal(new Target(TargetKind.Extension, "101"), t);
        Assert.True(Target.TryParse("400", owners, boxes, out t, out _));
        Assert.Equal(TargetKind.AutoAttendant, t!.Kind);
        Assert.True(Target.TryParse("vm101", owners, boxes, out t, out _));
        Assert.Equal("vm101", t!.ToString());
        Assert.False(Target.TryParse("vm102", owners, boxes, out _, out string? why));
        Assert.Contains("names no mailbox", why, StringComparison.Ordinal);
        Assert.False(Target.TryParse("*97", owners, boxes, out _, out why));
        Assert.Contains("feature code", why, StringComparison.Ordinal);
        Assert.False(Target.TryParse("555", owners, boxes, out _, out _));
        Assert.False(Target.TryParse("", owners, boxes, out _, out _));
    }
}
