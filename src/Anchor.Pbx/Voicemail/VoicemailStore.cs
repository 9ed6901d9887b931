using Microsoft.Data.Sqlite;

namespace Anchor.Pbx.Voicemail;

/// <summary>One voicemail message's row (its audio is a WAV file named by <see cref="Id"/>).</summary>
public sealed record VoiceMessage(string Id, string Mailbox, string Caller, string? CallerName, DateTimeOffset Received, TimeSpan Duration, bool Saved);

/// <summary>
/// The voicemail rows in the same SQLite database as the rest (WAL): messages, and the PINs set from the phone.
/// A message's row is written only after its file is on disk (<see cref="Mailboxes"/>), so a row always has its audio.
/// Calls come from the calls' gates and the admin; SQLite serialises them on one connection under a lock.
/// </summary>
public sealed class VoicemailStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();

    public VoicemailStore(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(dir) && builder.DataSource != ":memory:")
        {
            Directory.CreateDirectory(dir);
        }

        _db = new SqliteConnection(connectionString);
        _db.Open();
        Execute("PRAGMA journal_mode=WAL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS voicemail (
              id TEXT PRIMARY KEY, mailbox TEXT NOT NULL, caller TEXT NOT NULL, caller_name TEXT NULL,
              received_ms INTEGER NOT NULL, duration_ms INTEGER NOT NULL, saved INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS voicemail_mailbox ON voicemail (mailbox, saved, received_ms);
            CREATE TABLE IF NOT EXISTS mailbox_pin (mailbox TEXT PRIMARY KEY, pin TEXT NOT NULL, configured_pin TEXT NULL);
            """);
    }

    public void Add(VoiceMessage m)
    {
        lock (_gate)
        {
            using SqliteCommand c = _db.CreateCommand();
            c.CommandText = "INSERT INTO voicemail (id, mailbox, caller, caller_name, received_ms, duration_ms, saved) VALUES ($id, $mb, $caller, $name, $rx, $dur, $saved)";
            c.Parameters.AddWithValue("$id", m.Id);
            c.Parameters.AddWithValue("$mb", m.Mailbox);
            c.Parameters.AddWithValue("$caller", m.Caller);
            c.Parameters.AddWithValue("$name", (object?)m.CallerName ?? DBNull.Value);
            c.Parameters.AddWithValue("$rx", m.Received.ToUnixTimeMilliseconds());
            c.Parameters.AddWithValue("$dur", (long)m.Duration.TotalMilliseconds);
            c.Parameters.AddWithValue("$saved", m.Saved ? 1 : 0);
            c.ExecuteNonQuery();
        }
    }

    /// <summary>A mailbox's messages: new first, then saved, each oldest first.</summary>
    public IReadOnlyList<VoiceMessage> List(string mailbox)
    {
        lock (_gate)
        {
            using SqliteCommand c = _db.CreateCommand();
            c.CommandText = "SELECT id, mailbox, caller, caller_name, received_ms, duration_ms, saved FROM voicemail WHERE mailbox = $mb ORDER BY saved, received_ms";
            c.Parameters.AddWithValue("$mb", mailbox);
            return Read(c);
        }
    }

    public IReadOnlyList<VoiceMessage> All()
    {
        lock (_gate)
        {
            using SqliteCommand c = _db.CreateCommand();
            c.CommandText = "SELECT id, mailbox, caller, caller_name, received_ms, duration_ms, saved FROM voicemail";
            return Read(c);
        }
    }

    public void SetSaved(string id)
    {
        lock (_gate)
        {
            using SqliteCommand c = _db.CreateCommand();
            c.CommandText = "UPDATE voicemail SET saved = 1 WHERE id = $id";
            c.Parameters.AddWithValue("$id", id);
            c.ExecuteNonQuery();
        }
    }

    public void Delete(string id)
    {
        lock (_gate)
        {
            using SqliteCommand c = _db.CreateCommand();
            c.CommandText = "DELETE FROM voicemail WHERE id = $id";
            c.Parameters.AddWithValue("$id", id);
            c.ExecuteNonQuery();
        }
    }

    /// <summary>The PIN set from the phone, and the configured PIN it replaced (a new one in the configuration wins again).</summary>
    public (string Pin, string? Configured)? Pin(string mailbox)
    {
        lock (_gate)
        {
            using SqliteCommand c = _db.CreateCommand();
            c.CommandText = "SELECT pin, configured_pin FROM mailbox_pin WHERE mailbox = $mb";
            c.Parameters.AddWithValue("$mb", mailbox);
            using SqliteDataReader r = c.ExecuteReader();
            return r.Read() ? (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1)) : null;
        }
    }

    public void SetPin(string mailbox, string pin, string? configured)
    {
        lock (_gate)
        {
            using SqliteCommand c = _db.CreateCommand();
            c.CommandText = "INSERT INTO mailbox_pin (mailbox, pin, configured_pin) VALUES ($mb, $pin, $cfg) ON CONFLICT (mailbox) DO UPDATE SET pin = $pin, configured_pin = $cfg";
            c.Parameters.AddWithValue("$mb", mailbox);
            c.Parameters.AddWithValue("$pin", pin);
            c.Parameters.AddWithValue("$cfg", (object?)configured ?? DBNull.Value);
            c.ExecuteNonQuery();
        }
    }

    private static List<VoiceMessage> Read(SqliteCommand c)
    {
        var list = new List<VoiceMessage>();
        using SqliteDataReader r = c.ExecuteReader();
        while (r.Read())
        {
            list.Add(new VoiceMessage(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), TimeSpan.FromMilliseconds(r.GetInt64(5)), r.GetInt64(6) != 0));
        }

        return list;
    }

    private void Execute(string sql)
    {
        using SqliteCommand c = _db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    public void Dispose() => _db.Dispose();
}
