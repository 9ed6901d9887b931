using System.Data.Common;
using Anchor.Pbx.Storage;

namespace Anchor.Pbx.Voicemail;

/// <summary>One voicemail message's row (its audio is a WAV file named by <see cref="Id"/>).</summary>
public sealed record VoiceMessage(string Id, string Mailbox, string Caller, string? CallerName, DateTimeOffset Received, TimeSpan Duration, bool Saved);

/// <summary>
/// The voicemail rows in the install's database (SQLite or PostgreSQL) with the rest: messages, and the PINs set from the phone.
/// A message's row is written only after its file is on disk (<see cref="Mailboxes"/>), so a row always has its audio.
/// Calls come from the calls' gates and the admin; they are serialised on one connection under a lock.
/// </summary>
public sealed class VoicemailStore : IDisposable
{
    private readonly DbConnection _db;
    private readonly Lock _gate = new();

    public VoicemailStore(string connectionString, StorageProvider provider = StorageProvider.Sqlite)
    {
        _db = Database.Open(provider, connectionString); // SQLite's synchronous stays FULL: a stored message's row is on disk
        // Version 1 is the tables as they were before versioned migrations (IF NOT EXISTS: an older database keeps its rows).
        Database.Migrate(_db, "voicemail", """
            CREATE TABLE IF NOT EXISTS voicemail (
              id TEXT PRIMARY KEY, mailbox TEXT NOT NULL, caller TEXT NOT NULL, caller_name TEXT NULL,
              received_ms BIGINT NOT NULL, duration_ms BIGINT NOT NULL, saved BIGINT NOT NULL);
            CREATE INDEX IF NOT EXISTS voicemail_mailbox ON voicemail (mailbox, saved, received_ms);
            CREATE TABLE IF NOT EXISTS mailbox_pin (mailbox TEXT PRIMARY KEY, pin TEXT NOT NULL, configured_pin TEXT NULL);
            """);
    }

    public void Add(VoiceMessage m) =>
        Execute("INSERT INTO voicemail (id, mailbox, caller, caller_name, received_ms, duration_ms, saved) VALUES (@id, @mb, @caller, @name, @rx, @dur, @saved)",
            ("@id", m.Id), ("@mb", m.Mailbox), ("@caller", m.Caller), ("@name", m.CallerName), ("@rx", m.Received.ToUnixTimeMilliseconds()),
            ("@dur", (long)m.Duration.TotalMilliseconds), ("@saved", m.Saved ? 1L : 0L));

    /// <summary>A mailbox's messages: new first, then saved, each oldest first.</summary>
    public IReadOnlyList<VoiceMessage> List(string mailbox)
    {
        lock (_gate)
        {
            using DbCommand c = Database.Command(_db, null,
                "SELECT id, mailbox, caller, caller_name, received_ms, duration_ms, saved FROM voicemail WHERE mailbox = @mb ORDER BY saved, received_ms", ("@mb", mailbox));
            return Read(c);
        }
    }

    public IReadOnlyList<VoiceMessage> All()
    {
        lock (_gate)
        {
            using DbCommand c = Database.Command(_db, null, "SELECT id, mailbox, caller, caller_name, received_ms, duration_ms, saved FROM voicemail");
            return Read(c);
        }
    }

    public void SetSaved(string id) => Execute("UPDATE voicemail SET saved = 1 WHERE id = @id", ("@id", id));

    public void Delete(string id) => Execute("DELETE FROM voicemail WHERE id = @id", ("@id", id));

    /// <summary>The PIN set from the phone, and the configured PIN it replaced (a new one in the configuration wins again).</summary>
    public (string Pin, string? Configured)? Pin(string mailbox)
    {
        lock (_gate)
        {
            using DbCommand c = Database.Command(_db, null, "SELECT pin, configured_pin FROM mailbox_pin WHERE mailbox = @mb", ("@mb", mailbox));
            using DbDataReader r = c.ExecuteReader();
            return r.Read() ? (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1)) : null;
        }
    }

    public void SetPin(string mailbox, string pin, string? configured) =>
        Execute("INSERT INTO mailbox_pin (mailbox, pin, configured_pin) VALUES (@mb, @pin, @cfg) ON CONFLICT (mailbox) DO UPDATE SET pin = @pin, configured_pin = @cfg",
            ("@mb", mailbox), ("@pin", pin), ("@cfg", configured));

    private static List<VoiceMessage> Read(DbCommand c)
    {
        var list = new List<VoiceMessage>();
        using DbDataReader r = c.ExecuteReader();
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
            Database.Execute(_db, null, sql, args);
        }
    }

    public void Dispose() => _db.Dispose();
}
