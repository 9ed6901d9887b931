namespace Anchor.Pbx.Location;

/// <summary>
/// Where bindings survive a restart (Kamailio's usrloc db layer). Small on purpose so PostgreSQL or Redis can follow
/// SQLite. Calls come from one writer at a time.
/// </summary>
public interface ILocationStore : IDisposable
{
    IReadOnlyList<Binding> LoadAll();

    /// <summary>Applies a batch of changes atomically: each (aor, contact) pair is either written (binding given) or deleted (null).</summary>
    void Apply(IReadOnlyList<(string Aor, string ContactUri, Binding? Binding)> changes);

    int PurgeExpired(DateTimeOffset now);
}
