using Anchor.Pbx.Presence;
using Microsoft.Extensions.Time.Testing;

namespace Anchor.Pbx.Tests.Presence;

public class LinesTests
{
    [Fact]
    public void Phases_only_move_forward_and_a_bye_ends_both_sides()
    {
        var lines = new Lines();
        var seen = new List<(string, LinePhase)>();
        lines.Changed += d => seen.Add((d.Extension, d.Phase));
        lines.Set(new LineDialog("101", "c1", Initiator: true, LinePhase.Trying, "102"));
        lines.Set(new LineDialog("102", "c1", Initiator: false, LinePhase.Early, "101") { LocalTag = "t2" });
        lines.Set(new LineDialog("102", "c1", Initiator: false, LinePhase.Confirmed, null));
        lines.Set(new LineDialog("102", "c1", Initiator: false, LinePhase.Early, "101")); // a late 180: ignored
        Assert.Equal(LinePhase.Confirmed, Assert.Single(lines.Of("102")).Phase);
        Assert.Equal("t2", lines.Of("102")[0].LocalTag); // kept from the earlier phase
        Assert.True(lines.Busy("101")); // placing a call
        Assert.True(lines.Busy("102")); // on one
        Assert.Null(lines.Ringing("102"));

        lines.EndCall("c1");
        Assert.Empty(lines.Of("101"));
        Assert.Empty(lines.Of("102"));
        Assert.False(lines.Busy("102"));
        Assert.Equal([("101", LinePhase.Trying), ("102", LinePhase.Early), ("102", LinePhase.Confirmed)], seen.Take(3));
        Assert.Equal(["101", "102"], seen.Skip(3).Where(s => s.Item2 == LinePhase.Terminated).Select(s => s.Item1).Order());
        Assert.Equal(5, seen.Count);
    }

    [Fact]
    public void A_phone_that_only_rings_is_not_busy_and_can_be_picked_up()
    {
        var lines = new Lines();
        lines.Set(new LineDialog("102", "c2", Initiator: false, LinePhase.Early, "101"));
        Assert.False(lines.Busy("102"));
        Assert.Equal("c2", lines.Ringing("102")!.CallId);
        Assert.True(lines.RingsIn("102", "c2"));
        Assert.Equal(["102"], lines.In("c2"));
    }

    [Fact]
    public void A_dialog_whose_end_never_passed_goes_stale()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var lines = new Lines(clock);
        lines.Set(new LineDialog("102", "c3", Initiator: false, LinePhase.Confirmed, "101"));
        clock.Advance(Lines.StaleAfter + TimeSpan.FromMinutes(1));
        Assert.Empty(lines.Of("102"));
        Assert.Empty(lines.In("c3"));
    }
}
