using Anchor.Pbx.Calls;
using Anchor.Pbx.Routing;
using Anchor.Pbx.Voicemail;

namespace Anchor.Pbx.Applications.Voicemail;

/// <summary>The caller leaves a message in <paramref name="mailbox"/> (<see cref="VoicemailDeposit"/>); 0 goes to the operator.</summary>
public sealed class DepositApplication(string mailbox) : Application
{
    public override string Name => "Voicemail";

    public override async Task RunAsync(Call call)
    {
        if (call.Host.Mailboxes is not { } boxes || !boxes.Exists(mailbox))
        {
            call.End(EndReason.Unavailable, $"no mailbox {mailbox}", 480, "Temporarily Unavailable");
            return;
        }

        if (LocalAnswer.Answer(call) is not { } voice)
        {
            return;
        }

        Target? op = call.Host.Router?.Voicemail.Operator;
        DepositResult r = await VoicemailDeposit.RunAsync(voice, boxes, mailbox, call.Info.Caller, call.Info.CallerDisplay, op is not null,
            call.Host.Log);
        if (r == DepositResult.ToOperator && op is not null)
        {
            await Destinations.RunAsync(call, op);
            return;
        }

        call.End(EndReason.ApplicationEnded, $"voicemail for {mailbox}: {r}");
    }
}
