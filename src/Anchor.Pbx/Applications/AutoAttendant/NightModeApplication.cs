using Anchor.Pbx.Calls;

namespace Anchor.Pbx.Applications.AutoAttendant;

/// <summary>
/// The night-mode code (<c>FeatureCodes:NightMode</c>, <c>*52</c>): switches every auto attendant to the other mode
/// until its next scheduled change. An operator of any AA needs no PIN; any other extension proves itself with its
/// own voicemail PIN (three tries, each wrong one counted by the brute-force defence).
/// </summary>
public sealed class NightModeApplication(IReadOnlyCollection<Attendant> all, AttendantModes modes) : Application
{
    public override string Name => "NightMode";

    public override async Task RunAsync(Call call)
    {
        string caller = call.Info.Caller;
        if (all.Count == 0 || LocalAnswer.Answer(call) is not { } voice)
        {
            call.End(EndReason.Unavailable, "no auto attendant to switch", 404, "Not Found");
            return;
        }

        bool allowed = all.Any(a => a.Operators.Contains(caller));
        if (!allowed && call.Host.Mailboxes is { } boxes && boxes.Exists(caller))
        {
            for (int attempt = 0; attempt < 3 && !allowed && call.State != CallState.Ended; attempt++)
            {
                await voice.SayAsync("enter-password");
                string? pin = await voice.ReadDigitsAsync(10, TimeSpan.FromSeconds(10), Voice.LongInterDigit);
                allowed = pin is not null && boxes.CheckPin(caller, pin);
                if (!allowed)
                {
                    call.Host.Guard?.OnAuthFailure(call.Caller.Destination.EndPoint, "vm" + caller);
                    await voice.SayAsync("login-incorrect");
                }
            }
        }

        if (!allowed)
        {
            call.Note($"night mode refused for {caller}");
            await voice.SayAsync("goodbye");
            call.End(EndReason.ApplicationEnded, "night mode: not allowed");
            return;
        }

        bool night = modes.Toggle(all);
        call.Note($"auto attendants switched to {(night ? "night" : "day")} by {caller}");
        await voice.SayAsync(night ? "night-mode" : "day-mode", "goodbye");
        call.End(EndReason.ApplicationEnded, $"night mode {(night ? "on" : "off")}");
    }
}
