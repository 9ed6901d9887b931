using System.Data.Common;
using Anchor.Pbx.Storage;
using Anchor.Sip.Message;

namespace Anchor.Pbx.Location;

/// <summary>
/// Bindings in the install's database (SQLite in WAL mode, or PostgreSQL): a crash loses no committed batch; readers
/// never block the writer. One connection, used under a lock.
/// </summary>
public sealed class SqlLocationStore : ILocationStore
{
    private const string Upsert = """
        INSERT INTO location (aor, contact, expires_ms, call_id, cseq, transport, ip, port, q, instance, user_agent)
        VALUES (@aor, @contact, @exp, @cid, @cseq, @tr, @ip, @port, @q, @inst, @ua)
        ON CONFLICT (aor, contact) DO UPDATE SET expires_ms=@exp, call_id=@cid, cseq=@cseq, transport=@tr, ip=@ip, port=@port,
          q=@q, instance=@inst, user_agent=@ua
        """;

    private readonly DbConnection _db;
    private readonly Lock _lock = new();

    // Made once and kept: a command keeps its prepared statement, so a batch does not parse its SQL again.
    private readonly DbCommand _upsert;
    private readonly DbCommand _delete;

    public SqlLocationStore(string connectionString, StorageProvider provider = StorageProvider.Sqlite)
    {
        _db = Database.Open(provider, connectionString);
        Database.RelaxedSync(_db);
        // Version 1 is the table as it was before versioned migrations (IF NOT EXISTS: an older database keeps its rows).
        Database.Migrate(_db, "location", """
            CREATE TABLE IF NOT EXISTS location (
              aor TEXT NOT NULL, contact TEXT NOT NULL, expires_ms BIGINT NOT NULL, call_id TEXT NOT NULL, cseq BIGINT NOT NULL,
              transport TEXT NOT NULL, ip TEXT NOT NULL, port BIGINT NOT NULL, q BIGINT NOT NULL,
              instance TEXT NULL, user_agent TEXT NULL, PRIMARY KEY (aor, contact));
            """);
        _upsert = Database.Command(_db, null, Upsert, ("@aor", null), ("@contact", null), ("@exp", null), ("@cid", null), ("@cseq", null),
            ("@tr", null), ("@ip", null), ("@port", null), ("@q", null), ("@inst", null), ("@ua", null));
        _delete = Database.Command(_db, null, "DELETE FROM location WHERE aor=@aor AND contact=@contact", ("@aor", null), ("@contact", null));
    }

    public IReadOnlyList<Binding> LoadAll()
    {
        lock (_lock)
        {
            var list = new List<Binding>();
            using DbCommand cmd = Database.Command(_db, null, "SELECT aor, contact, expires_ms, call_id, cseq, transport, ip, port, q, instance, user_agent FROM location");
            using DbDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                list.Add(new Binding(r.GetString(0), r.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), r.GetString(3),
                    (uint)r.GetInt64(4), Binding.ParseSource(r.GetString(5), r.GetString(6), (int)r.GetInt64(7)), (int)r.GetInt64(8),
                    r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10)));
            }

            return list;
        }
    }

    public void Apply(IReadOnlyList<(string Aor, string ContactUri, Binding? Binding)> changes)
    {
        lock (_lock)
        {
            using DbTransaction tx = _db.BeginTransaction();
            DbCommand upsert = _upsert, delete = _delete;
            upsert.Transaction = tx;
            delete.Transaction = tx;
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
                    b.Source.Transport == TransportKind.Tcp ? "tcp" : "udp", b.Source.EndPoint.Address.ToString(), (long)b.Source.EndPoint.Port,
                    (long)b.QValue, b.InstanceId, b.UserAgent,
                ];
                for (int i = 0; i < values.Length; i++)
                {
                    upsert.Parameters[i].Value = values[i] ?? DBNull.Value;
                }

                upsert.ExecuteNonQuery();
            }

            tx.Commit();
        }
    }

    public int PurgeExpired(DateTimeOffset now)
    {
        lock (_lock)
        {
            return Database.Execute(_db, null, "DELETE FROM location WHERE expires_ms <= @now", ("@now", now.ToUnixTimeMilliseconds()));
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _upsert.Dispose();
            _delete.Dispose();
            _db.Dispose();
        }
    }
}
