using Microsoft.Data.Sqlite;

namespace Anchor.Pbx.Storage;

/// <summary>
/// What the admin page and API changed in the configuration, kept in the install's database as an overlay on the
/// configuration file: per section and key (an extension's number), the item as JSON, or null for one deleted. The
/// host applies it over the file at every start, so a change made at run time survives a restart. Each change is one
/// committed statement (WAL): a crash keeps it whole or not at all.
/// </summary>
public sealed class ConfigOverlayStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _lock = new();

    public ConfigOverlayStore(string connectionString)
    {
        _db = SqliteFile.Open(connectionString);
        SqliteFile.Migrate(_db, "config_overlay",
            "CREATE TABLE config_overlay (section TEXT NOT NULL, key TEXT NOT NULL, json TEXT NULL, changed_ms INTEGER NOT NULL, PRIMARY KEY (section, key));");
    }

    public IReadOnlyList<(string Key, string? Json)> Load(string section)
    {
        lock (_lock)
        {
            using SqliteCommand c = _db.CreateCommand();
            c.CommandText = "SELECT key, json FROM config_overlay WHERE section = $s ORDER BY changed_ms, key";
            c.Parameters.AddWithValue("$s", section);
            var list = new List<(string, string?)>();
            using SqliteDataReader r = c.ExecuteReader();
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
            using SqliteCommand c = _db.CreateCommand();
            c.CommandText = """
                INSERT INTO config_overlay (section, key, json, changed_ms) VALUES ($s, $k, $j, $t)
                ON CONFLICT (section, key) DO UPDATE SET json = $j, changed_ms = $t
                """;
            c.Parameters.AddWithValue("$s", section);
            c.Parameters.AddWithValue("$k", key);
            c.Parameters.AddWithValue("$j", (object?)json ?? DBNull.Value);
            c.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            c.ExecuteNonQuery();
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
