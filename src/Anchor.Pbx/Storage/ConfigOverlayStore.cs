using System.Data.Common;

namespace Anchor.Pbx.Storage;

/// <summary>
/// What the admin page and API changed in the configuration, kept in the install's database as an overlay on the
/// configuration file: per section and key (an extension's number), the item as JSON, or null for one deleted. The
/// host applies it over the file at every start, so a change made at run time survives a restart. Each change is one
/// committed statement (WAL): a crash keeps it whole or not at all.
/// </summary>
public sealed class ConfigOverlayStore : IDisposable
{
    private readonly DbConnection _db;
    private readonly Lock _lock = new();

    public ConfigOverlayStore(string connectionString, StorageProvider provider = StorageProvider.Sqlite)
    {
        _db = Database.Open(provider, connectionString);
        Database.Migrate(_db, "config_overlay",
            "CREATE TABLE config_overlay (section TEXT NOT NULL, key TEXT NOT NULL, json TEXT NULL, changed_ms BIGINT NOT NULL, PRIMARY KEY (section, key));");
    }

    public IReadOnlyList<(string Key, string? Json)> Load(string section)
    {
        lock (_lock)
        {
            using DbCommand c = Database.Command(_db, null, "SELECT key, json FROM config_overlay WHERE section = @s ORDER BY changed_ms, key", ("@s", section));
            var list = new List<(string, string?)>();
            using DbDataReader r = c.ExecuteReader();
            while (r.Read())
            {
                list.Add((r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1)));
            }

            return list;
        }
    }

    /// <summary>Sets (or with null <paramref name="json"/>, deletes) one item.</summary>
    public void Set(string section, string key, string? json)
    {
        lock (_lock)
        {
            Database.Execute(_db, null, """
                INSERT INTO config_overlay (section, key, json, changed_ms) VALUES (@s, @k, @j, @t)
                ON CONFLICT (section, key) DO UPDATE SET json = @j, changed_ms = @t
                """, ("@s", section), ("@k", key), ("@j", json), ("@t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _db.Dispose();
        }
    }
}
