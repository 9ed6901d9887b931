using Anchor.Pbx.Calls;
using Anchor.Pbx.Pickup;

namespace Anchor.Pbx.Applications.Dial;

/// <summary>
/// Rings a party for the caller and joins them (Asterisk's Dial()): the <see cref="Dialer"/> rings (forking to every
/// contact of an extension, or to the trunk with its account) and bridges on answer. When the party is not there
/// (busy, no answer within <see cref="DialRequest.NoAnswer"/>, not registered) and the request names a
/// <see cref="DialRequest.Fallback"/> (the extension's mailbox), that runs on the same call; otherwise the caller hears
/// the failure as a phone expects it (the ITSP's trouble as 503, a phone's refusal as it was).
/// </summary>
public sealed class DialApplication(DialRequest request) : Application
{
    public override string Name => "Dial";

    /// <summary>Whom it rings (a transfer rings the same way and watches the outcome itself).</summary>
    public DialRequest Request => request;

    public override async Task RunAsync(Call call)
    {
        DialOutcome outcome = await Dialer.DialAsync(call, request, request.NoAnswer);
        if (await SettledAsync(call, outcome))
        {
            return;
        }

        switch (outcome.Result)
        {
            case DialResult.Redirected when call.Host.Router is { } router && request.TargetExtensions.FirstOrDefault(e => e is not null) is { } from:
                if (++call.Redirects > Routing.Router.HopLimit)
                {
                    call.End(EndReason.Refused, "too many redirections", 482, "Loop Detected (redirections)");
                    return;
                }

                call.Note($"{from} redirected the call to {outcome.RedirectTo}");
                await new RouteApplication("redirect", () => router.OnBehalf(call.Info, from, outcome.RedirectTo!)).RunAsync(call);
                return;
        }

        Application? next = request.FallbackFor(outcome.Result);
        if (outcome.Missed && next is { } fallback && call.State != CallState.Ended)
        {
            call.Note($"{request.CalleeName}: {outcome.Result}; on to {fallback.Name}");
            await fallback.RunAsync(call);
            return;
        }

        call.End(outcome.EndReason, $"{outcome.Status} {outcome.Reason}", outcome.Status, outcome.Reason);
    }

    /// <summary>
    /// Carries an outcome that settles the call through to its end — answered (until the call ends), the caller gone,
    /// picked up by another phone (the join) — and says so; false: the party missed it, the caller still waits.
    /// </summary>
    public static async Task<bool> SettledAsync(Call call, DialOutcome outcome)
    {
        switch (outcome.Result)
        {
            case DialResult.Answered:
                await call.Completion;
                return true;
            case DialResult.CallerGone:
                return true;
            case DialResult.PickedUp:
                await PickupJoin.RunAsync(call, outcome.Picker!.Value.Invite, outcome.Picker.Value.Extension);
                return true;
            default:
                return false;
        }
    }
}
