using Anchor.Pbx.Calls;
using Anchor.Pbx.Routing;

namespace Anchor.Pbx.Applications.AutoAttendant;

/// <summary>
/// An auto attendant on a call: rings for the mode's AnswerDelay (staff may pick up first when the AA is a trunk's
/// second target), answers, runs the script of the mode the office's clock (or the night-mode code) selects, and
/// sends the caller on to what was chosen — a menu key's target, or an extension dialled.
/// </summary>
public sealed class AutoAttendantApplication(Attendant aa, AttendantModes modes) : Application
{
    public override string Name => "AutoAttendant";

    public override async Task RunAsync(Call call)
    {
        bool night = modes.IsNight(aa);
        TimeSpan delay = aa.AnswerDelay(night);
        if (delay > TimeSpan.Zero && call.Caller.State != LegState.Confirmed)
        {
            call.Caller.Progress(180, "Ringing");
            call.MarkRinging();
            try
            {
                await LocalAnswer.DelayAsync(call, delay);
            }
            catch (TaskCanceledException)
            {
                return; // the caller gave up
            }
        }

        if (LocalAnswer.Answer(call) is not { } voice)
        {
            return;
        }

        call.Note($"auto attendant {aa.Number} ({aa.Name}), {(night ? "night" : "day")}");
        AaOutcome outcome = await AaRunner.RunAsync(aa.Script(night), voice, text => call.Note($"auto attendant {aa.Number}: {text}"));
        if (call.State == CallState.Ended)
        {
            return;
        }

        if (outcome.Transfer is not { } to)
        {
            call.End(EndReason.ApplicationEnded, $"auto attendant {aa.Number}: goodbye");
            return;
        }

        if (call.Host.Router?.Resolve(to) is not { } target)
        {
            call.Note($"auto attendant {aa.Number}: \"{to}\" is no destination");
            await voice.SayAsync("invalid-option", "goodbye");
            call.End(EndReason.ApplicationEnded, $"auto attendant {aa.Number}: no destination {to}");
            return;
        }

        await Destinations.RunAsync(call, target);
    }
}
