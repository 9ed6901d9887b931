using Anchor.Pbx.Calls;

namespace Anchor.Pbx.Applications;

/// <summary>A star code that changed a setting (forward, do-not-disturb): Anchor answers, says it is on or off, and hangs up.</summary>
public sealed class ConfirmApplication(bool on) : Application
{
    public override string Name => "FeatureCode";

    public override async Task RunAsync(Call call)
    {
        if (LocalAnswer.Answer(call) is not { } voice)
        {
            return;
        }

        await voice.SayAsync(on ? "feature-on" : "feature-off");
        call.End(EndReason.ApplicationEnded, on ? "feature on" : "feature off");
    }
}
