using Anchor.Pbx.Calls;
using Anchor.Pbx.Routing;

namespace Anchor.Pbx.Applications;

/// <summary>
/// Sends a call that an application holds on to a target (an AA's menu key, the operator, a mailbox): the router
/// makes the application for it, which runs on the same call — an extension is rung (then its voicemail), an AA
/// answers, a mailbox takes a message.
/// </summary>
public static class Destinations
{
    public static async Task RunAsync(Call call, Target target)
    {
        if (call.Host.Router?.ApplicationFor(target, call.Info) is not { } app)
        {
            call.End(EndReason.Unavailable, $"{target} is not reachable", 480, "Temporarily Unavailable");
            return;
        }

        call.Note($"on to {target} ({app.Name})");
        await app.RunAsync(call);
    }
}
