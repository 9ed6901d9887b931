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
    public PbxSnapshot(IEnumerable<Extension> extensions, DialPlan dialPlan, IEnumerable<Trunk> trunks, FeatureCodes featureCodes)
    {
        Extensions = extensions.ToDictionary(e => e.Number, StringComparer.Ordinal);
        DialPlan = dialPlan;
        Trunks = trunks.ToDictionary(t => t.Name, StringComparer.Ordinal);
        FeatureCodes = featureCodes;
    }

    public IReadOnlyDictionary<string, Extension> Extensions { get; }

    public DialPlan DialPlan { get; }

    public IReadOnlyDictionary<string, Trunk> Trunks { get; }

    public FeatureCodes FeatureCodes { get; }
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
