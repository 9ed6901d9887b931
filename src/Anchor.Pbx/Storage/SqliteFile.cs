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
}
