using Anchor.Pbx.Applications.AutoAttendant;
using Anchor.Pbx.Hunting;
using Anchor.Pbx.Routing;
using Anchor.Pbx.Trunks;

namespace Anchor.Pbx.Model;

/// <summary>
/// The parts of the configuration that can change while Anchor runs — extensions, the dial plan, trunks, feature
/// codes — validated and built once into one immutable value (YARP's rule). Readers take <see cref="SnapshotSource.Current"/>
/// once per decision and keep it, so a call in progress keeps the configuration it started with; a reload (a later
/// issue) swaps the whole snapshot at once, and a bad one is never swapped in.
/// </summary>
public sealed record PbxSnapshot
{
    public PbxSnapshot(IEnumerable<Extension> extensions, DialPlan dialPlan, IEnumerable<Trunk> trunks, FeatureCodes featureCodes,
        IEnumerable<Attendant>? attendants = null, VoicemailSettings? voicemail = null, IEnumerable<HuntGroup>? huntGroups = null,
        IReadOnlyDictionary<string, IReadOnlyList<ContactRule>>? contactLists = null, Park.ParkOptions? park = null)
    {
        Park = park;
        HuntGroups = (huntGroups ?? []).ToDictionary(g => g.Number, StringComparer.Ordinal);
        ContactLists = contactLists ?? new Dictionary<string, IReadOnlyList<ContactRule>>();
        Extensions = extensions.ToDictionary(e => e.Number, StringComparer.Ordinal);
        DialPlan = dialPlan;
        Trunks = trunks.ToDictionary(t => t.Name, StringComparer.Ordinal);
        FeatureCodes = featureCodes;
        AutoAttendants = (attendants ?? []).ToDictionary(a => a.Number, StringComparer.Ordinal);
        Voicemail = voicemail ?? new VoicemailSettings();
        var owners = new Dictionary<string, NumberKind>(StringComparer.Ordinal);
        foreach (string e in Extensions.Keys)
        {
            owners[e] = NumberKind.Extension;
        }

        foreach (string a in AutoAttendants.Keys)
        {
            owners[a] = NumberKind.AutoAttendant;
        }

        foreach (string g in HuntGroups.Keys)
        {
            owners[g] = NumberKind.HuntGroup;
        }

        if (park is not null)
        {
            owners[park.Number] = NumberKind.Park;
            foreach (string slot in park.Slots)
            {
                owners[slot] = NumberKind.ParkSlot;
            }
        }

        foreach ((_, string code) in featureCodes.All)
        {
            owners[code] = NumberKind.FeatureCode;
        }

        Owners = owners;
        Mailboxes = Extensions.Values.Where(e => e.Mailbox.Enabled).Select(e => e.Number).ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, Extension> Extensions { get; }

    public DialPlan DialPlan { get; }

    public IReadOnlyDictionary<string, Trunk> Trunks { get; }

    public FeatureCodes FeatureCodes { get; }

    public IReadOnlyDictionary<string, Attendant> AutoAttendants { get; }

    public VoicemailSettings Voicemail { get; }

    /// <summary>Call park; null when the office has none.</summary>
    public Park.ParkOptions? Park { get; }

    /// <summary>The hunt groups by number.</summary>
    public IReadOnlyDictionary<string, HuntGroup> HuntGroups { get; }

    /// <summary>Trunks whose Inbound is an SPA9000 Contact List (by trunk name): its rules, first match wins.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ContactRule>> ContactLists { get; }

    /// <summary>Every number Anchor owns and what it is (numbers are unique across kinds: validated by the host).</summary>
    public IReadOnlyDictionary<string, NumberKind> Owners { get; }

    /// <summary>The extensions that have a mailbox.</summary>
    public IReadOnlySet<string> Mailboxes { get; }

    /// <summary>A destination in the one syntax (<c>101</c>, <c>400</c>, <c>vm101</c>); null when it names nothing here.</summary>
    public Target? Resolve(string text) => Target.TryParse(text, Owners, Mailboxes, out Target? t, out _) ? t : null;
}

/// <summary>Office-wide voicemail settings (<c>Voicemail</c>).</summary>
public sealed record VoicemailSettings
{
    /// <summary>Where 0 during a mailbox greeting goes; null: 0 does nothing.</summary>
    public Target? Operator { get; init; }

    /// <summary>Send message-waiting NOTIFYs to phones that never subscribed (as Asterisk does).</summary>
    public bool UnsolicitedMwi { get; init; } = true;
}

/// <summary>Where the current <see cref="PbxSnapshot"/> is read (lock-free) and, by a reload, swapped.</summary>
public sealed class SnapshotSource
{
    private PbxSnapshot _current;

    public SnapshotSource(PbxSnapshot initial) => _current = initial;

    public PbxSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Replaces the snapshot; the caller has validated <paramref name="next"/> in full.</summary>
    public void Swap(PbxSnapshot next) => Volatile.Write(ref _current, next);
}
