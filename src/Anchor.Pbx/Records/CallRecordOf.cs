using Anchor.Media.Sdp;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Calls.Media;

namespace Anchor.Pbx.Records;

/// <summary>The record of a call Anchor holds, taken as it ends (before its legs give their relay ports back).</summary>
internal static class CallRecordOf
{
    public static CallRecord Make(Call call, EndReason reason, int status, DateTimeOffset end)
    {
        IReadOnlyList<Leg> legs = call.Legs;
        Leg caller = call.Caller;
        // The extension that answered (the dialer names its leg on the 2xx); by now that leg may be hung up already.
        string? answeredBy = call.Answered is null ? null : legs.Skip(1).Select(l => l.Extension).FirstOrDefault(e => e is not null);
        string dialed = caller.Initial?.Request is { } invite && invite.RequestUri.HasUser ? invite.RequestUri.UserUnescaped : call.Info.Dialed;
        return new CallRecord
        {
            Id = caller.CallId ?? call.Id,
            Start = call.Started,
            Answer = call.Answered,
            End = end,
            From = call.Info.Caller,
            To = call.Info.Dialed,
            Dialed = dialed,
            Direction = call.Info.Direction,
            Trunk = call.Info.Trunk?.Name,
            AnsweredBy = answeredBy,
            EndReason = reason,
            SipStatus = call.Answered is null ? status : 200,
            HungUpBy = reason switch
            {
                EndReason.CallerHungUp or EndReason.Cancelled => "caller",
                EndReason.CalleeHungUp or EndReason.Refused or EndReason.NoAnswer => "callee",
                _ => "anchor",
            },
            Media = legs.Select(l => Media(l, call.Answered)).OfType<LegMedia>().ToList(),
            Dialogs = call.DialogIds,
        };
    }

    private static LegMedia? Media(Leg leg, DateTimeOffset? answered)
    {
        if (leg.Media is not AnchoredMedia m || m.AudioCounters is not { } c)
        {
            return null;
        }

        string? signalled = m.Remote is { } sdp && LocalDescription.FirstUsable(sdp)?.RtpEndPoint is { } ep ? ep.ToString() : null;
        double? first = c.FirstPacketUnixMs > 0 && answered is { } a
            ? Math.Round((DateTimeOffset.FromUnixTimeMilliseconds(c.FirstPacketUnixMs) - a).TotalSeconds, 1)
            : null;
        return new LegMedia(leg.Name, signalled, c.Latched ? c.Remote?.ToString() : null, c.Packets, c.Forwarded, c.Lost, Math.Round(c.JitterMs, 1), c.Rejected, first,
            c.Timeline is { Length: > 0 } t ? t : null);
    }
}
