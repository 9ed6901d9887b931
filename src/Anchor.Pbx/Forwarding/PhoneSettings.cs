using System.Collections.Concurrent;
using Anchor.Pbx.Model;

namespace Anchor.Pbx.Forwarding;

/// <summary>What a phone can set with a star code: forward always, on busy, on no answer, do-not-disturb.</summary>
public enum PhoneSetting
{
    ForwardAlways,
    ForwardBusy,
    ForwardNoAnswer,
    Dnd,
}

/// <summary>
/// Forwarding and do-not-disturb as the phones set them (<c>*72</c>, <c>*78</c> …), over what the configuration says:
/// a setting a phone made wins until the phone clears it (then the extension is off for it, not back to the
/// configuration's value, as a user who pressed <c>*73</c> expects). Kept in the install's SQLite database, so a
/// restart keeps them; read from memory on every call.
/// </summary>
public sealed class PhoneSettings : IDisposable
{
    private readonly System.Data.Common.DbConnection? _db;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<(string Ext, PhoneSetting Key), string> _set = new();

    /// <param name="connectionString">The install's database; null keeps the settings in memory only (tests).</param>
    public PhoneSettings(string? connectionString, Storage.StorageProvider provider = Storage.StorageProvider.Sqlite)
    {
        if (connectionString is null)
        {
            return;
        }

        _db = Storage.Database.Open(provider, connectionString);
        // Version 1 is the table as it was before versioned migrations (IF NOT EXISTS: an older database keeps its rows).
        Storage.Database.Migrate(_db, "phone_setting", """
            CREATE TABLE IF NOT EXISTS phone_setting (extension TEXT NOT NULL, setting TEXT NOT NULL, value TEXT NOT NULL,
              PRIMARY KEY (extension, setting));
            """);
        using System.Data.Common.DbCommand c = Storage.Database.Command(_db, null, "SELECT extension, setting, value FROM phone_setting");
        using System.Data.Common.DbDataReader r = c.ExecuteReader();
        while (r.Read())
        {
            if (Enum.TryParse(r.GetString(1), out PhoneSetting key))
            {
                _set[(r.GetString(0), key)] = r.GetString(2);
            }
        }
    }

    /// <summary>Raised after a phone changed a setting of an extension.</summary>
    public event Action<string>? Changed;

    /// <summary>The extension's forwarding as it stands: the configuration's, with what its phone set on top.</summary>
    public ForwardState For(Extension ext)
    {
        ForwardState f = ext.Forward;
        if (_set.IsEmpty)
        {
            return f;
        }

        string? Get(PhoneSetting k, string? configured) => _set.TryGetValue((ext.Number, k), out string? v) ? (v.Length == 0 ? null : v) : configured;
        return f with
        {
            Always = Get(PhoneSetting.ForwardAlways, f.Always),
            Busy = Get(PhoneSetting.ForwardBusy, f.Busy),
            NoAnswerTarget = Get(PhoneSetting.ForwardNoAnswer, f.NoAnswerTarget),
            Dnd = _set.TryGetValue((ext.Number, PhoneSetting.Dnd), out string? dnd) ? dnd == "on" : f.Dnd,
        };
    }

    /// <summary>
    /// Sets (a target, or <c>on</c> for DND) or clears (null) one setting of <paramref name="extension"/>; written to
    /// the database before it takes effect.
    /// </summary>
    public void Set(string extension, PhoneSetting key, string? value)
    {
        string stored = value ?? "";
        lock (_gate)
        {
            if (_db is not null)
            {
                Storage.Database.Execute(_db, null, "INSERT INTO phone_setting (extension, setting, value) VALUES (@e, @k, @v) " +
                    "ON CONFLICT (extension, setting) DO UPDATE SET value = excluded.value", ("@e", extension), ("@k", key.ToString()), ("@v", stored));
            }

            _set[(extension, key)] = stored;
        }

        Changed?.Invoke(extension);
    }

    public void Dispose() => _db?.Dispose();
}
