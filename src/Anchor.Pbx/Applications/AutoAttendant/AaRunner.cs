using Anchor.Pbx.Routing;

namespace Anchor.Pbx.Applications.AutoAttendant;

/// <summary>What an auto attendant needs from the call: play with barge-in, collect digits by a dial plan.</summary>
public interface IAaChannel
{
    /// <summary>Plays <paramref name="audio"/>; a key pressed during an item that allows barge-in stops it and is returned.</summary>
    Task<char?> PlayAsync(IReadOnlyList<AaAudio> audio);

    /// <summary>
    /// Collects digits: the first within <paramref name="firstTimeout"/> (or <paramref name="first"/>, already pressed),
    /// then more while <paramref name="plan"/> could still take them. Null when no key came at all.
    /// </summary>
    Task<string?> CollectAsync(DigitMap plan, char? first, TimeSpan firstTimeout);
}

/// <summary>How an auto attendant ended: a blind transfer to a target, or hanging up.</summary>
public sealed record AaOutcome(string? Transfer)
{
    public static readonly AaOutcome Hangup = new((string?)null);
}

/// <summary>
/// Runs an <see cref="AaScript"/> with the SPA9000's semantics: a node plays and acts; a menu plays (barge-in), collects
/// by its dial plan, and runs the first case that matches what was dialled (after the dial plan's rewriting: that is
/// <c>$input</c>), else the default; no input and no match run their handler — with repeat, the menu plays again (up
/// to the handler's count, then its action); without, the action, or (no action) the menu waits again. A guard of
/// steps ends a script that loops forever.
/// </summary>
public static class AaRunner
{
    private const int MaxSteps = 200;

    /// <param name="trace">Told what happens (no input, no match, a repeat), for the call's log.</param>
    public static async Task<AaOutcome> RunAsync(AaScript script, IAaChannel channel, Action<string>? trace = null)
    {
        AaForm form = script.First;
        var repeats = new Dictionary<(string, bool), int>();
        bool playAudio = true;
        for (int step = 0; step < MaxSteps; step++)
        {
            if (form.Kind == AaFormKind.Node)
            {
                await channel.PlayAsync(form.Audio);
                if (Next(script, form.Action, null, ref form) is { } end)
                {
                    return end;
                }

                playAudio = true;
                continue;
            }

            AaMenu menu = form.Menu!;
            char? first = playAudio ? await channel.PlayAsync(form.Audio) : null;
            string? input = await channel.CollectAsync(menu.DialPlan, first, menu.NoInput.Timeout);
            string? dialled = input is null ? null : menu.DialPlan.Match(input, out _);
            AaStep? chosen = dialled is null ? null : menu.Cases.FirstOrDefault(c => c.Input.Match(dialled, out _) is not null)?.Step ?? menu.Default;
            if (chosen is not null)
            {
                trace?.Invoke($"{form.Id}: \"{dialled}\"");
                await channel.PlayAsync(chosen.Audio);
                AaForm before = form;
                if (Next(script, chosen.Action, dialled, ref form) is { } done)
                {
                    return done;
                }

                playAudio = true;
                if (chosen.Action is null && form == before)
                {
                    playAudio = false; // a case with nothing to do: wait for more input
                }

                continue;
            }

            // No input, or input the dial plan (or every case) refuses.
            AaHandler handler = input is null ? menu.NoInput : menu.NoMatch;
            trace?.Invoke(input is null ? $"{form.Id}: no input" : $"{form.Id}: no match for \"{input}\"");
            await channel.PlayAsync(handler.Audio);
            var key = (form.Id, input is null);
            int count = repeats.GetValueOrDefault(key);
            if (handler.Repeat && count < handler.MaxRepeats)
            {
                repeats[key] = count + 1;
                trace?.Invoke($"{form.Id}: repeat {count + 1} of {handler.MaxRepeats}");
                playAudio = true;
                continue;
            }

            if (handler.Action is null)
            {
                playAudio = false; // SPA: nothing to play and nothing to do: keep waiting (the input is discarded)
                if (handler.Repeat)
                {
                    return AaOutcome.Hangup; // repeated as often as allowed, and nothing else to do
                }

                continue;
            }

            if (Next(script, handler.Action, dialled ?? input, ref form) is { } outcome)
            {
                return outcome;
            }

            playAudio = true;
        }

        return AaOutcome.Hangup;
    }

    /// <summary>Applies an action: a goto moves <paramref name="form"/>; a transfer or exit ends the run.</summary>
    private static AaOutcome? Next(AaScript script, AaAction? action, string? dialled, ref AaForm form)
    {
        switch (action)
        {
            case AaGoto g:
                form = script.Find(g.FormId) ?? form;
                return null;
            case AaTransfer t:
                string target = t.Target == AaTransfer.Input ? dialled ?? "" : t.Target;
                return target.Length == 0 ? AaOutcome.Hangup : new AaOutcome(target);
            case AaExit:
                return AaOutcome.Hangup;
            default:
                return null;
        }
    }
}
