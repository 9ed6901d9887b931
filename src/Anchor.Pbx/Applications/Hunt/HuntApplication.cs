using Anchor.Pbx.Applications.Dial;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Hunting;
using Anchor.Pbx.Routing;
using DialResult = Anchor.Pbx.Applications.Dial.DialResult;

namespace Anchor.Pbx.Applications.Hunt;

/// <summary>How a hunt reaches its members (the router's part: who is there, and the INVITEs that ring them).</summary>
public interface IHuntRinger
{
    /// <summary>Whether the member can be rung now (registered, not busy, not in do-not-disturb); <paramref name="why"/> when not.</summary>
    bool Available(string member, out string why);

    /// <summary>Ringing every contact of <paramref name="members"/> at once.</summary>
    DialRequest Request(IReadOnlyList<string> members);
}

/// <summary>
/// A hunt group (the SPA9000's, FreePBX's ring groups): rings its members step by step in the group's order
/// (<see cref="HuntPlan"/>), each step for the group's ring time, skipping members who are not there or busy, until one
/// answers, the hunt's limit (seconds or cycles) is reached, or nobody at all can be rung; then its fallback, or 480.
/// The caller hears the members' ringing all along; a member's own forwarding and mailbox play no part.
/// </summary>
public sealed class HuntApplication(HuntGroup group, IReadOnlyList<string> members, HuntCursor cursor, IHuntRinger ringer, Func<RouteDecision>? fallback)
    : Application
{
    public override string Name => "Hunt";

    public override async Task RunAsync(Call call)
    {
        DateTimeOffset start = call.Host.Time.GetUtcNow();
        TimeSpan? total = group.Limit.Time > TimeSpan.Zero ? group.Limit.Time : null;
        int cycles = 0;
        call.Note($"hunt group {group}: {group.Strategy} over {string.Join(",", members)}, {group.Ring.TotalSeconds:0} s each, {group.Limit}");
        while (call.State != CallState.Ended)
        {
            bool rang = false;
            foreach (IReadOnlyList<string> step in HuntPlan.Cycle(group.Strategy, members, cursor.Last, Random.Shared))
            {
                var ring = new List<string>();
                foreach (string m in step)
                {
                    if (ringer.Available(m, out string why))
                    {
                        ring.Add(m);
                    }
                    else
                    {
                        call.Note($"hunt {group.Number}: skipping {m} ({why})");
                    }
                }

                if (ring.Count == 0)
                {
                    continue;
                }

                TimeSpan time = RingTime(total, start, call);
                if (time < TimeSpan.Zero)
                {
                    break; // the hunt's time is up
                }

                rang = true;
                if (group.Strategy == HuntStrategy.Next && step.Count == 1)
                {
                    cursor.Last = step[0];
                }

                DialOutcome outcome = await Dialer.DialAsync(call, ringer.Request(ring), time);
                if (await DialApplication.SettledAsync(call, outcome))
                {
                    return;
                }

                if (outcome.Result is DialResult.MediaFailure or DialResult.TrunkFailure)
                {
                    call.End(outcome.EndReason, $"hunt {group.Number}: {outcome.Status} {outcome.Reason}", outcome.Status, outcome.Reason);
                    return;
                }

                call.Note($"hunt {group.Number}: {string.Join(",", ring)}: {outcome.Result}");
            }

            cycles++;
            bool timeUp = total is { } t && call.Host.Time.GetUtcNow() - start >= t;
            if (!rang || timeUp || (group.Limit.Cycles > 0 && cycles >= group.Limit.Cycles) || (group.Strategy == HuntStrategy.RingAll && !group.Limit.IsForever))
            {
                break;
            }
        }

        if (call.State == CallState.Ended)
        {
            return;
        }

        if (fallback is not null)
        {
            call.Note($"hunt {group.Number} over: on to {group.Fallback}");
            await new RouteApplication("hunt fallback", fallback).RunAsync(call);
            return;
        }

        call.End(EndReason.NoAnswer, $"hunt {group.Number}: nobody answered", 480, "Temporarily Unavailable");
    }

    /// <summary>
    /// How long the next step rings: the group's ring time (all at once: the whole limit), never past the hunt's time
    /// limit; zero rings until the phones give up (Timer C). Negative: no time left.
    /// </summary>
    private TimeSpan RingTime(TimeSpan? total, DateTimeOffset start, Call call)
    {
        TimeSpan ring = group.UntilAnswered ? TimeSpan.Zero : group.Ring;
        if (group.Strategy == HuntStrategy.RingAll)
        {
            ring = total ?? (group.Limit.Cycles > 0 ? group.Ring * group.Limit.Cycles : TimeSpan.Zero);
        }

        if (total is not { } t)
        {
            return ring;
        }

        TimeSpan left = t - (call.Host.Time.GetUtcNow() - start);
        if (left <= TimeSpan.Zero)
        {
            return TimeSpan.FromTicks(-1);
        }

        return ring == TimeSpan.Zero || ring > left ? left : ring;
    }
}
