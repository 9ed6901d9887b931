using Anchor.Media.Audio;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Calls.Media;

namespace Anchor.Pbx.Applications.Echo;

/// <summary>
/// The echo test (Asterisk's <c>*43</c>, <c>FeatureCodes:EchoTest</c>): Anchor answers, says what is about to happen,
/// beeps, and from then on sends the caller back what it sends — the first thing an admin tries when someone reports
/// one-way audio. Keys pressed are logged (which also proves the DTMF path).
/// </summary>
public sealed class EchoApplication : Application
{
    public override string Name => "Echo";

    public override async Task RunAsync(Call call)
    {
        if (LocalAnswer.Answer(call) is not { } voice || call.Caller.Media is not AnchoredMedia media)
        {
            return;
        }

        if (call.Host.Prompts is not null)
        {
            await voice.SayAsync("echo-test");
        }

        await voice.PlayAsync(new ClipSource(Tones.Beep), bargeIn: false);
        media.Local()?.Echo(true);
        await call.Completion;
    }
}
