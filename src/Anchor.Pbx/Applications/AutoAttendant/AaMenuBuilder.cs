using Anchor.Pbx.Routing;

namespace Anchor.Pbx.Applications.AutoAttendant;

/// <summary>One mode (Day or Night) of an AA as the JSON describes it, validated.</summary>
public sealed record AaMode
{
    /// <summary>A WAV of the admin's, or null: the default spoken greeting, which lists the menu.</summary>
    public string? Greeting { get; init; }

    /// <summary>Key → target (<c>1</c> → <c>500</c>, <c>9</c> → <c>vm101</c>).</summary>
    public IReadOnlyDictionary<char, Target> Menu { get; init; } = new Dictionary<char, Target>();

    /// <summary>Any extension number dialled connects to it.</summary>
    public bool DialExtensions { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    public int Retries { get; init; } = 3;

    /// <summary>Where silence goes once the retries are spent; null: goodbye.</summary>
    public Target? NoInput { get; init; }

    /// <summary>Rings this long before answering (staff may answer first when the AA is the trunk's second target).</summary>
    public TimeSpan AnswerDelay { get; init; }
}

/// <summary>
/// Compiles a JSON mode into an <see cref="AaScript"/>: one menu form whose dial plan takes the menu's keys (and, with
/// DialExtensions, every extension number); a key transfers to its target, <c>*</c> repeats, invalid input says
/// "invalid option" and repeats up to Retries, silence repeats while retries remain and then goes to NoInput.
/// </summary>
public static class AaMenuBuilder
{
    public static AaScript Build(AaMode mode, IEnumerable<string> extensions)
    {
        var keys = mode.Menu.Keys.Select(k => k.ToString()).ToList();
        IEnumerable<string> accepted = keys.Append("*").Concat(mode.DialExtensions ? extensions : []).Distinct();
        DigitMap dialPlan = DigitMap.Parse("(" + string.Join("|", accepted) + ")");
        IReadOnlyList<AaAudio> greeting = mode.Greeting is { } file ? [new AaAudio("file:" + file)] : DefaultGreeting(mode);

        var cases = new List<AaCase> { new(DigitMap.Parse("*"), new AaStep([], new AaGoto("main"))) };
        cases.AddRange(mode.Menu.Select(kv => new AaCase(DigitMap.Parse(kv.Key.ToString()), new AaStep([new AaAudio("prompt:transferring", false)], new AaTransfer(kv.Value.ToString())))));
        AaStep? dialled = mode.DialExtensions ? new AaStep([new AaAudio("prompt:transferring", false)], new AaTransfer(AaTransfer.Input)) : null;

        AaAction afterRetries = mode.NoInput is { } t ? new AaTransfer(t.ToString()) : new AaGoto("goodbye");
        var noInput = new AaHandler(mode.Timeout, Repeat: mode.Retries > 0, [], afterRetries, mode.Retries);
        var noMatch = new AaHandler(mode.Timeout, Repeat: mode.Retries > 0, [new AaAudio("prompt:invalid-option", false)], afterRetries, mode.Retries);
        return new AaScript(
        [
            new AaForm("main", AaFormKind.Menu, greeting, null, new AaMenu(dialPlan, noInput, noMatch, cases, dialled)),
            new AaForm("goodbye", AaFormKind.Node, [new AaAudio("prompt:goodbye", false)], new AaExit()),
        ]);
    }

    /// <summary>"Thank you for calling. For extension 1 0 2, press 2. For voicemail, press 9. To reach the operator, press zero."</summary>
    private static List<AaAudio> DefaultGreeting(AaMode mode)
    {
        var audio = new List<AaAudio> { new("prompt:thank-you-for-calling") };
        foreach ((char key, Target target) in mode.Menu.OrderBy(kv => kv.Key == '0' ? 'z' : kv.Key))
        {
            if (key == '0')
            {
                audio.Add(new("prompt:to-reach-the-operator"));
                continue;
            }

            audio.Add(new("prompt:for"));
            audio.AddRange(target.Kind switch
            {
                TargetKind.Mailbox => [new AaAudio("prompt:voicemail")],
                TargetKind.AutoAttendant => [new AaAudio("prompt:the-main-menu")],
                _ => [new AaAudio("prompt:extension"), new AaAudio("say:" + target.Number)],
            });
            audio.Add(new("prompt:press"));
            audio.Add(new("say:" + (key == '*' ? "" : key.ToString())));
        }

        if (mode.DialExtensions)
        {
            audio.Add(new("prompt:dial-the-extension"));
        }

        return audio;
    }
}
