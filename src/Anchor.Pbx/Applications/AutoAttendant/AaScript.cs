using Anchor.Pbx.Routing;

namespace Anchor.Pbx.Applications.AutoAttendant;

/// <summary>
/// An auto attendant as the SPA9000 models one (its AA script, v6.1 p.143–146): forms that play prompts and either run
/// one action (a node) or collect digits by a dial plan and act on what was dialled (a menu). Both ways of
/// configuring an AA compile to this: an SPA admin's pasted <c>&lt;aa&gt;</c> script (<see cref="SpaScriptParser"/>)
/// and the Day/Night menus of the JSON (<see cref="AaMenuBuilder"/>); one runner plays it (<see cref="AaRunner"/>).
/// </summary>
public sealed record AaScript(IReadOnlyList<AaForm> Forms)
{
    public AaForm First => Forms[0];

    /// <summary>The form a goto names; with duplicate ids the last one wins (as on the SPA9000).</summary>
    public AaForm? Find(string id) => Forms.LastOrDefault(f => string.Equals(f.Id, id, StringComparison.Ordinal));
}

public enum AaFormKind
{
    /// <summary>Plays its audio, then runs its action.</summary>
    Node,

    /// <summary>Plays its audio and collects digits by its dial plan.</summary>
    Menu,
}

/// <param name="Action">A node's action (a menu's come from its handlers and cases).</param>
public sealed record AaForm(string Id, AaFormKind Kind, IReadOnlyList<AaAudio> Audio, AaAction? Action = null, AaMenu? Menu = null)
{
    /// <summary>Every action the form can take: its own, its handlers', its cases' and its default's.</summary>
    public IEnumerable<AaAction> Actions
    {
        get
        {
            AaAction?[] all = Menu is { } m
                ? [Action, m.NoInput.Action, m.NoMatch.Action, m.Default?.Action, .. m.Cases.Select(c => c.Step.Action)]
                : [Action];
            return all.OfType<AaAction>();
        }
    }
}

/// <summary>
/// A prompt: <c>prompt:NAME</c> (the prompt library), <c>file:PATH</c> (an admin's WAV), <c>say:DIGITS</c> (digits
/// spoken one by one), or an SPA prompt name (<c>prompt1</c>…) mapped by the AA's Prompts. With <see cref="BargeIn"/>
/// a key stops it and is the first digit of the input.
/// </summary>
public sealed record AaAudio(string Source, bool BargeIn = true);

/// <param name="DialPlan">What input is accepted (SPA digit-map syntax, which may rewrite it); the result is <c>$input</c>.</param>
/// <param name="NoInput">No key within its timeout.</param>
/// <param name="NoMatch">Input the dial plan does not take.</param>
public sealed record AaMenu(DigitMap DialPlan, AaHandler NoInput, AaHandler NoMatch, IReadOnlyList<AaCase> Cases, AaStep? Default);

/// <summary>
/// What happens on no input or no match: play its audio; with <see cref="Repeat"/> replay the menu (up to
/// <see cref="MaxRepeats"/> times, then run the action); without, run the action (none: keep waiting, or discard the input).
/// </summary>
public sealed record AaHandler(TimeSpan Timeout, bool Repeat, IReadOnlyList<AaAudio> Audio, AaAction? Action, int MaxRepeats = 10);

/// <summary>A case: when the input matches <see cref="Input"/> (digit-map syntax), play and act.</summary>
public sealed record AaCase(DigitMap Input, AaStep Step);

public sealed record AaStep(IReadOnlyList<AaAudio> Audio, AaAction? Action);

public abstract record AaAction;

/// <summary>Go on with another form.</summary>
public sealed record AaGoto(string FormId) : AaAction;

/// <summary>Blind transfer to a target (<c>$input</c>: what was dialled, after the dial plan); the AA ends.</summary>
public sealed record AaTransfer(string Target) : AaAction
{
    public const string Input = "$input";
}

/// <summary>Hang up.</summary>
public sealed record AaExit : AaAction;
