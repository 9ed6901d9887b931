using Anchor.Pbx.Security;

namespace Anchor.Pbx.Routing;

/// <summary>
/// One dial-plan rule: digits matching <see cref="Map"/> go out through the trunk named <see cref="Trunk"/>; the numbers
/// it matches are of class <see cref="Class"/> (what extensions need permission for).
/// </summary>
public sealed record DialPlanRule(DigitMap Map, string Trunk, DialClass Class = DialClass.National);

/// <summary>The outcome of dialling: which trunk, which number to send, its class, or that the number is barred.</summary>
public sealed record DialResult(string Trunk, string Number, bool Barred, DialClass Class = DialClass.National);

/// <summary>
/// The office's outbound dial plan: rules tried in order, the first whose digit map matches the whole dialed number
/// wins. Extensions are looked up before the dial plan (by the caller of <see cref="Resolve"/>).
/// </summary>
public sealed class DialPlan
{
    public DialPlan(IReadOnlyList<DialPlanRule> rules) => Rules = rules;

    public IReadOnlyList<DialPlanRule> Rules { get; }

    public DialResult? Resolve(string dialed)
    {
        foreach (DialPlanRule rule in Rules)
        {
            if (rule.Map.Match(dialed, out bool barred) is { } number)
            {
                return new DialResult(rule.Trunk, number, barred, rule.Class);
            }
        }

        return null;
    }
}
