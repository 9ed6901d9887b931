using Anchor.Pbx.Calls;
using Anchor.Pbx.Calls.Media;
using Anchor.Pbx.Park;
using Anchor.Pbx.Pickup;
using Anchor.Pbx.Routing;
using Anchor.Sip.Transactions;

namespace Anchor.Pbx.Applications.Park;

/// <summary>
/// Parks the call's caller (a transferee: Asterisk's Park(), the SPA9000's call park): takes a slot (the one asked
/// for, or the first free), says "parked on 7 0 1" to the parked party and plays it music on hold until an extension
/// dials the slot (then the two are joined), or the time-out: then the parker's phone rings (<see cref="ParkOptions.Return"/>)
/// while the music goes on, and the fallback after that. The slot is freed whatever ends the wait, hang-ups included.
/// </summary>
public sealed class ParkApplication(ParkOptions options, ParkingLot lot, string? slot, string parker, Func<RouteDecision> onReturn) : Application
{
    public override string Name => "Park";

    /// <summary>Whose call it is: the parker's phone rings when nobody takes it.</summary>
    public string Parker => parker;

    /// <summary>The slot asked for; null: the first free.</summary>
    public string? Slot => slot;

    public override async Task RunAsync(Call call)
    {
        Leg parked = call.Caller;
        if (LocalAnswer.Answer(call) is not { } voice)
        {
            return;
        }

        var taken = new TaskCompletionSource<(ServerTransaction Invite, string Extension)>(TaskCreationOptions.RunContinuationsAsynchronously);
        string id = parked.CallId ?? call.Id;
        string party = call.Info.Caller;
        string? s = lot.TryPark(options.Slots, slot, id, party, (tx, ext) => call.Gate.Post(() =>
        {
            if (call.State == CallState.Ended || !taken.TrySetResult((tx, ext)))
            {
                tx.Respond(480, "Temporarily Unavailable (the parked call has gone)");
            }
        }));
        if (s is null)
        {
            call.Note(slot is null ? "no free park slot" : $"park slot {slot} is taken");
            await voice.SayAsync("not-available-try-later");
            call.End(EndReason.Refused, "park: no slot", 486, "Busy Here");
            return;
        }

        call.OnEnd(() => lot.Free(s, id));
        call.Note($"parked on {s} by {parker}");
        await voice.SayAsync(["parked-on", .. voice.Prompts.Digits(s)]);
        if (call.Host.Music is { } music && parked.Media is AnchoredMedia media)
        {
            media.PlayMusic(music);
        }

        Task timeout = LocalAnswer.DelayAsync(call, options.Timeout);
        if (await Task.WhenAny(taken.Task, timeout) == taken.Task)
        {
            (ServerTransaction invite, string by) = taken.Task.Result;
            call.Note($"{by} took the call parked on {s}");
            await PickupJoin.RunAsync(call, invite, by);
            return;
        }

        await timeout; // cancelled: the call ended
        lot.Free(s, id);
        call.Note($"nobody took the call parked on {s} in {options.Timeout.TotalSeconds:0} s: back to {parker}");
        await new RouteApplication("park return", onReturn).RunAsync(call);
    }
}
