using Anchor.Pbx.Calls;
using Anchor.Pbx.Routing;

namespace Anchor.Pbx.Applications;

/// <summary>
/// A routing decision made when it is needed, on a call already in Anchor's hands (an extension's forward on no
/// answer, a hunt group's fallback, an AA's choice): the application decided runs on the same call, with what the
/// router took for it given back when the call ends; a refusal ends the call with its status.
/// </summary>
public sealed class RouteApplication(string name, Func<RouteDecision> decide) : Application
{
    public override string Name => name;

    public override async Task RunAsync(Call call)
    {
        switch (decide())
        {
            case ApplicationDecision app:
                if (app.Release is { } release)
                {
                    call.OnRelease(release);
                }

                call.Note($"on to {app.Info.Dialed} ({app.Application.Name})");
                await app.Application.RunAsync(call);
                return;
            case RejectDecision r:
                call.End(r.Status switch { 403 => EndReason.Policy, 486 or 482 => EndReason.Refused, _ => EndReason.Unavailable }, $"{name}: {r.Status} {r.Reason}", r.Status, r.Reason);
                return;
            default:
                call.End(EndReason.Error, $"{name}: no application", 500, "Server Internal Error");
                return;
        }
    }
}
