namespace Anchor.Pbx.Routing;

/// <summary>What kind of thing a number Anchor owns is.</summary>
public enum NumberKind
{
    Extension,
    AutoAttendant,
    FeatureCode,
    HuntGroup,
    Park,
    ParkSlot,
}

/// <summary>
/// A destination named in the configuration — a trunk's Inbound, a menu key, a no-input or operator target — in one
/// syntax: an extension (<c>101</c>), any other number Anchor owns (an auto attendant <c>400</c>), or a mailbox in the
/// SPA9000's syntax (<c>vm101</c>).
/// </summary>
public sealed record Target(TargetKind Kind, string Number)
{
    public override string ToString() => Kind == TargetKind.Mailbox ? "vm" + Number : Number;

    /// <summary>
    /// Parses <paramref name="text"/> against the numbers Anchor owns (<paramref name="owners"/>);
    /// <paramref name="mailboxes"/> are the extensions with a mailbox. The error says what is wrong with it.
    /// </summary>
    public static bool TryParse(string? text, IReadOnlyDictionary<string, NumberKind> owners, IReadOnlySet<string> mailboxes, out Target? target,
        out string? error)
    {
        target = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty";
            return false;
        }

        if (text.Equals("aa", StringComparison.OrdinalIgnoreCase))
        {
            // The SPA9000's name for its auto attendant: here the first one (lowest number).
            string? first = owners.Where(kv => kv.Value == NumberKind.AutoAttendant).Select(kv => kv.Key).Order(StringComparer.Ordinal).FirstOrDefault();
            if (first is null)
            {
                error = "\"aa\" names the auto attendant, and none is configured";
                return false;
            }

            target = new Target(TargetKind.AutoAttendant, first);
            return true;
        }

        if (text.StartsWith("vm", StringComparison.OrdinalIgnoreCase))
        {
            string box = text[2..];
            if (!mailboxes.Contains(box))
            {
                error = $"\"{text}\" names no mailbox (vmNNN takes an extension whose voicemail is enabled)";
                return false;
            }

            target = new Target(TargetKind.Mailbox, box);
            return true;
        }

        if (!owners.TryGetValue(text, out NumberKind kind))
        {
            error = $"\"{text}\" is not an extension, a hunt group, an auto attendant or a mailbox (vmNNN)";
            return false;
        }

        if (kind == NumberKind.FeatureCode)
        {
            error = $"\"{text}\" is a feature code, not a destination";
            return false;
        }

        if (kind is NumberKind.Park or NumberKind.ParkSlot)
        {
            error = $"\"{text}\" is for call park (calls are transferred there), not a destination";
            return false;
        }

        target = new Target(kind switch
        {
            NumberKind.Extension => TargetKind.Extension,
            NumberKind.HuntGroup => TargetKind.HuntGroup,
            _ => TargetKind.AutoAttendant,
        }, text);
        return true;
    }
}

public enum TargetKind
{
    Extension,
    AutoAttendant,
    Mailbox,
    HuntGroup,
}
