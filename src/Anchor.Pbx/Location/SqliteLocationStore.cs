using Anchor.Sip.Message;
using Microsoft.Data.Sqlite;

namespace Anchor.Pbx.Location;

/// <summary>Bindings in SQLite, WAL mode (a crash loses no committed batch; readers never block the writer).</summary>
public sealed class SqliteLocationStore : ILocationStore
{
    private readonly SqliteConnection _db;

    public SqliteLocationStore(string connectionString)
    {
        _db = Storage.SqliteFile.Open(connectionString);
        Execute("PRAGMA synchronous=NORMAL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS location (
              aor TEXT NOT NULL, contact TEXT NOT NULL, expires_ms INTEGER NOT NULL, call_id TEXT NOT NULL, cseq INTEGER NOT NULL,
              transport TEXT NOT NULL, ip TEXT NOT NULL, port INTEGER NOT NULL, q INTEGER NOT NULL,
              instance TEXT NULL, user_agent TEXT NULL, PRIMARY KEY (aor, contact));
            """);
    }

    public IReadOnlyList<Binding> LoadAll()
    {
        var list = new List<Binding>();
        using SqliteCommand cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT aor, contact, expires_ms, call_id, cseq, transport, ip, port, q, instance, user_agent FROM location";
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(new Binding(r.GetString(0), r.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), r.GetString(3),
                (uint)r.GetInt64(4), Binding.ParseSource(r.GetString(5), r.GetString(6), r.GetInt32(7)), r.GetInt32(8),
                r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10)));
        }

        return list;
    }

    public void Apply(IReadOnlyList<(string Aor, string ContactUri, Binding? Binding)> changes)
    {
        using SqliteTransaction tx = _db.BeginTransaction();
        using SqliteCommand upsert = _db.CreateCommand();
        upsert.Transaction = tx;
        upsert.CommandText = """
            INSERT INTO location (aor, contact, expires_ms, call_id, cseq, transport, ip, port, q, instance, user_agent)
            VALUES ($aor, $contact, $exp, $cid, $cseq, $tr, $ip, $port, $q, $inst, $ua)
            ON CONFLICT (aor, contact) DO UPDATE SET expires_ms=$exp, call_id=$cid, cseq=$cseq, transport=$tr, ip=$ip, port=$port,
              q=$q, instance=$inst, user_agent=$ua
            """;
        string[] names = ["$aor", "$contact", "$exp", "$cid", "$cseq", "$tr", "$ip", "$port", "$q", "$inst", "$ua"];
        foreach (string n in names)
        {
            upsert.Parameters.Add(new SqliteParameter { ParameterName = n });
        }

        using SqliteCommand delete = _db.CreateCommand();
        delete.Transaction = tx;
        delete.CommandText = "DELETE FROM location WHERE aor=$aor AND contact=$contact";
        delete.Parameters.Add(new SqliteParameter { ParameterName = "$aor" });
        delete.Parameters.Add(new SqliteParameter { ParameterName = "$contact" });

        foreach (var (aor, contact, b) in changes)
        {
            if (b is null)
            {
                delete.Parameters[0].Value = aor;
                delete.Parameters[1].Value = contact;
                delete.ExecuteNonQuery();
                continue;
            }

            object?[] values =
            [
                b.Aor, b.ContactUri, b.ExpiresAt.ToUnixTimeMilliseconds(), b.CallId, (long)b.CSeq,
                b.Source.Transport == TransportKind.Tcp ? "tcp" : "udp", b.Source.EndPoint.Address.ToString(), b.Source.EndPoint.Port,
                b.QValue, b.InstanceId, b.UserAgent,
            ];
            for (int i = 0; i < values.Length; i++)
            {
                upsert.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            upsert.ExecuteNonQuery();
        }

        tx.Commit();
    }

    public int PurgeExpired(DateTimeOffset now)
    {
        using SqliteCommand cmd = _db.CreateCommand();
        cmd.CommandText = "DELETE FROM location WHERE expires_ms <= $now";
        cmd.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return cmd.ExecuteNonQuery();
    }

    private void Execute(string sql)
    {
        using SqliteCommand cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => _db.Dispose();
}
