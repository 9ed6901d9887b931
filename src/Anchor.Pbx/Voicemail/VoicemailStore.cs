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
        _db = Storage.SqliteFile.Open(connectionString); // synchronous stays FULL: a stored message's row is on disk
        Execute("""
            CREATE TABLE IF NOT EXISTS voicemail (
              id TEXT PRIMARY KEY, mailbox TEXT NOT NULL, caller TEXT NOT NULL, caller_name TEXT NULL,
              received_ms INTEGER NOT NULL, duration_ms INTEGER NOT NULL, saved INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS voicemail_mailbox ON voicemail (mailbox, saved, received_ms);
            CREATE TABLE IF NOT EXISTS mailbox_pin (mailbox TEXT PRIMARY KEY, pin TEXT NOT NULL, configured_pin TEXT NULL);
            """);
    }

    public void Add(VoiceMessage m) =>
        Execute("INSERT INTO voicemail (id, mailbox, caller, caller_name, received_ms, duration_ms, saved) VALUES ($id, $mb, $caller, $name, $rx, $dur, $saved)",
            ("$id", m.Id), ("$mb", m.Mailbox), ("$caller", m.Caller), ("$name", m.CallerName), ("$rx", m.Received.ToUnixTimeMilliseconds()),
            ("$dur", (long)m.Duration.TotalMilliseconds), ("$saved", m.Saved ? 1 : 0));

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

    public void SetSaved(string id) => Execute("UPDATE voicemail SET saved = 1 WHERE id = $id", ("$id", id));

    public void Delete(string id) => Execute("DELETE FROM voicemail WHERE id = $id", ("$id", id));

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

    public void SetPin(string mailbox, string pin, string? configured) =>
        Execute("INSERT INTO mailbox_pin (mailbox, pin, configured_pin) VALUES ($mb, $pin, $cfg) ON CONFLICT (mailbox) DO UPDATE SET pin = $pin, configured_pin = $cfg",
            ("$mb", mailbox), ("$pin", pin), ("$cfg", configured));

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

    private void Execute(string sql, params (string Name, object? Value)[] args)
    {
        lock (_gate)
        {
            using SqliteCommand c = _db.CreateCommand();
            c.CommandText = sql;
            foreach ((string name, object? value) in args)
            {
                c.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            c.ExecuteNonQuery();
        }
    }

    public void Dispose() => _db.Dispose();
}
