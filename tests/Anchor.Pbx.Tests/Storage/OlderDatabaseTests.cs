using Anchor.Pbx.Forwarding;
using Anchor.Pbx.Location;
using Anchor.Pbx.Voicemail;
using Microsoft.Data.Sqlite;

namespace Anchor.Pbx.Tests.Storage;

/// <summary>The tables made before versioned migrations: an older database opens with its rows, and gets version 1.</summary>
public class OlderDatabaseTests
{
    private static string OldDatabase()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("anchor-olddb-").FullName, "anchor.db");
        using var db = new SqliteConnection($"Data Source={file}");
        db.Open();
        using SqliteCommand c = db.CreateCommand();
        c.CommandText = """
            CREATE TABLE location (aor TEXT NOT NULL, contact TEXT NOT NULL, expires_ms BIGINT NOT NULL, call_id TEXT NOT NULL, cseq BIGINT NOT NULL,
              transport TEXT NOT NULL, ip TEXT NOT NULL, port BIGINT NOT NULL, q BIGINT NOT NULL, instance TEXT NULL, user_agent TEXT NULL, PRIMARY KEY (aor, contact));
            INSERT INTO location VALUES ('101', 'sip:101@192.168.1.11:5060', 4102444800000, 'c1', 1, 'udp', '192.168.1.11', 5060, 1000, NULL, 'old phone');
            CREATE TABLE phone_setting (extension TEXT NOT NULL, setting TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (extension, setting));
            CREATE TABLE voicemail (id TEXT PRIMARY KEY, mailbox TEXT NOT NULL, caller TEXT NOT NULL, caller_name TEXT NULL,
              received_ms BIGINT NOT NULL, duration_ms BIGINT NOT NULL, saved BIGINT NOT NULL);
            INSERT INTO voicemail VALUES ('m1', '101', '102', 'Bob', 1767225600000, 4000, 0);
            CREATE TABLE mailbox_pin (mailbox TEXT PRIMARY KEY, pin TEXT NOT NULL, configured_pin TEXT NULL);
            """;
        c.ExecuteNonQuery();
        return file;
    }

    private static long Version(string file, string component)
    {
        using var db = new SqliteConnection($"Data Source={file}");
        db.Open();
        using SqliteCommand c = db.CreateCommand();
        c.CommandText = "SELECT version FROM schema_version WHERE component = $c";
        c.Parameters.AddWithValue("$c", component);
        return (long)c.ExecuteScalar()!;
    }

    [Fact]
    public void Opens_with_its_rows_and_records_version_1()
    {
        string file = OldDatabase();
        string cs = $"Data Source={file}";
        Binding b = Assert.Single(new SqlLocationStore(cs).LoadAll());
        Assert.Equal("old phone", b.UserAgent);
        var vm = new VoicemailStore(cs);
        Assert.Single(vm.List("101"));
        _ = new PhoneSettings(cs);
        Assert.Equal(1, Version(file, "location"));
        Assert.Equal(1, Version(file, "voicemail"));
        Assert.Equal(1, Version(file, "phone_setting"));
    }

    [Fact]
    public void A_newer_location_schema_stops_start_up_naming_it()
    {
        string file = OldDatabase();
        _ = new SqlLocationStore($"Data Source={file}");
        using (var db = new SqliteConnection($"Data Source={file}"))
        {
            db.Open();
            using SqliteCommand c = db.CreateCommand();
            c.CommandText = "UPDATE schema_version SET version = 7 WHERE component = 'location'";
            c.ExecuteNonQuery();
        }

        var e = Assert.Throws<InvalidOperationException>(() => new SqlLocationStore($"Data Source={file}"));
        Assert.Contains("the location tables are at version 7", e.Message, StringComparison.Ordinal);
    }
}
