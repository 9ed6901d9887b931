using Microsoft.Data.Sqlite;

namespace Anchor.Pbx.Storage;

/// <summary>The one SQLite database of an install (bindings, voicemail rows): its folder made, opened in WAL mode.</summary>
internal static class SqliteFile
{
    public static SqliteConnection Open(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(dir) && builder.DataSource != ":memory:")
        {
            Directory.CreateDirectory(dir);
        }

        var db = new SqliteConnection(connectionString);
        db.Open();
        using SqliteCommand c = db.CreateCommand();
        c.CommandText = "PRAGMA journal_mode=WAL;";
        c.ExecuteNonQuery();
        return db;
    }

    /// <summary>
    /// Brings <paramref name="component"/>'s tables to their newest version: <paramref name="steps"/>[i] takes them from
    /// version i to i + 1, each step and its new version number in one transaction (a crash leaves the old version or the
    /// new one, never half of a step). A database newer than this Anchor knows stops start-up rather than being damaged.
    /// </summary>
    public static void Migrate(SqliteConnection db, string component, params string[] steps)
    {
        using (SqliteCommand c = db.CreateCommand())
        {
            c.CommandText = "CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL)";
            c.ExecuteNonQuery();
        }

        long version;
        using (SqliteCommand c = db.CreateCommand())
        {
            c.CommandText = "SELECT version FROM schema_version WHERE component = $c";
            c.Parameters.AddWithValue("$c", component);
            version = c.ExecuteScalar() is long v ? v : 0;
        }

        if (version > steps.Length)
        {
            throw new InvalidOperationException(
                $"Storage: the {component} tables are at version {version}, made by a newer Anchor (this one knows {steps.Length})");
        }

        for (long v = version; v < steps.Length; v++)
        {
            using SqliteTransaction tx = db.BeginTransaction();
            using (SqliteCommand c = db.CreateCommand())
            {
                c.Transaction = tx;
                c.CommandText = steps[v];
                c.ExecuteNonQuery();
            }

            using (SqliteCommand c = db.CreateCommand())
            {
                c.Transaction = tx;
                c.CommandText = "INSERT INTO schema_version (component, version) VALUES ($c, $v) ON CONFLICT (component) DO UPDATE SET version = $v";
                c.Parameters.AddWithValue("$c", component);
                c.Parameters.AddWithValue("$v", v + 1);
                c.ExecuteNonQuery();
            }

            tx.Commit();
        }
    }
}
