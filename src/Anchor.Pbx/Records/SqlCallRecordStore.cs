using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Storage;

namespace Anchor.Pbx.Records;

/// <summary>Call records in the install's database (SQLite in WAL mode, or PostgreSQL): a committed batch survives a crash of the process.</summary>
public sealed class SqlCallRecordStore : ICallRecordStore
{
    private const string Columns =
        "id, start_ms, answer_ms, end_ms, from_user, to_user, dialed, direction, trunk, answered_by, end_reason, sip_status, hung_up_by, media, dialogs";

    private static readonly string[] Names = ["@id", "@s", "@a", "@e", "@f", "@t", "@d", "@dir", "@tr", "@ab", "@er", "@st", "@hu", "@m", "@dl"];
    private readonly DbConnection _db;
    private readonly Lock _lock = new();
    private readonly DbCommand _insert; // made once: it keeps its prepared statement across batches

    public SqlCallRecordStore(string connectionString, StorageProvider provider = StorageProvider.Sqlite)
    {
        _db = Database.Open(provider, connectionString);
        Database.RelaxedSync(_db);
        Database.Migrate(_db, "call_records",
            $"""
            CREATE TABLE cdr (
              seq {Database.AutoId(_db)}, id TEXT NOT NULL, start_ms BIGINT NOT NULL, answer_ms BIGINT NULL,
              end_ms BIGINT NOT NULL, from_user TEXT NOT NULL, to_user TEXT NOT NULL, dialed TEXT NOT NULL, direction TEXT NOT NULL,
              trunk TEXT NULL, answered_by TEXT NULL, end_reason TEXT NOT NULL, sip_status BIGINT NOT NULL, hung_up_by TEXT NOT NULL,
              media TEXT NOT NULL);
            CREATE INDEX cdr_start ON cdr (start_ms);
            """,
            "ALTER TABLE cdr ADD COLUMN dialogs TEXT NOT NULL DEFAULT '[]';");
        _insert = Database.Command(_db, null, $"INSERT INTO cdr ({Columns}) VALUES ({string.Join(", ", Names)})",
            Names.Select(n => (n, (object?)null)).ToArray());
    }

    public void Append(IReadOnlyList<CallRecord> records)
    {
        lock (_lock)
        {
            using DbTransaction tx = _db.BeginTransaction();
            DbCommand insert = _insert;
            insert.Transaction = tx;
            foreach (CallRecord r in records)
            {
                object?[] values =
                [
                    r.Id, r.Start.ToUnixTimeMilliseconds(), r.Answer?.ToUnixTimeMilliseconds(), r.End.ToUnixTimeMilliseconds(), r.From, r.To,
                    r.Dialed, r.Direction.ToString(), r.Trunk, r.AnsweredBy, r.EndReason.ToString(), (long)r.SipStatus, r.HungUpBy,
                    JsonSerializer.Serialize(r.Media, RecordJson.Default.IReadOnlyListLegMedia), JsonSerializer.Serialize(r.Dialogs, RecordJson.Default.IReadOnlyListString),
                ];
                for (int i = 0; i < values.Length; i++)
                {
                    insert.Parameters[i].Value = values[i] ?? DBNull.Value;
                }

                insert.ExecuteNonQuery();
            }

            tx.Commit();
        }
    }

    public (IReadOnlyList<CallRecord> Records, int Total) Query(CallRecordQuery query)
    {
        lock (_lock)
        {
            var args = new List<(string, object?)>();
            var where = new StringBuilder(" WHERE 1=1");
            if (query.Id is { } id)
            {
                where.Append(" AND id = @id");
                args.Add(("@id", id));
            }

            if (query.Since is { } since)
            {
                where.Append(" AND start_ms >= @since");
                args.Add(("@since", since.ToUnixTimeMilliseconds()));
            }

            if (query.Until is { } until)
            {
                where.Append(" AND start_ms < @until");
                args.Add(("@until", until.ToUnixTimeMilliseconds()));
            }

            if (query.Extension is { } ext)
            {
                where.Append(" AND (from_user = @ext OR to_user = @ext OR answered_by = @ext)");
                args.Add(("@ext", ext));
            }

            if (query.Number is { } number)
            {
                where.Append($" AND ({Database.Contains(_db, "from_user", "@num")} OR {Database.Contains(_db, "to_user", "@num")} OR {Database.Contains(_db, "dialed", "@num")})");
                args.Add(("@num", number));
            }

            if (query.Direction is { } dir)
            {
                where.Append(" AND direction = @dir");
                args.Add(("@dir", dir.ToString()));
            }

            int total;
            using (DbCommand count = Database.Command(_db, null, "SELECT count(*) FROM cdr" + where, [.. args]))
            {
                total = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
            }

            int size = Math.Clamp(query.PageSize, 1, CallRecordQuery.MaxPageSize);
            args.Add(("@limit", (long)size));
            args.Add(("@offset", (long)(Math.Max(query.Page, 1) - 1) * size));
            using DbCommand cmd = Database.Command(_db, null, $"SELECT {Columns} FROM cdr{where} ORDER BY start_ms DESC, seq DESC LIMIT @limit OFFSET @offset", [.. args]);
            var list = new List<CallRecord>();
            using DbDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                list.Add(new CallRecord
                {
                    Id = r.GetString(0),
                    Start = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
                    Answer = r.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)),
                    End = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)),
                    From = r.GetString(4),
                    To = r.GetString(5),
                    Dialed = r.GetString(6),
                    Direction = Enum.Parse<CallDirection>(r.GetString(7)),
                    Trunk = r.IsDBNull(8) ? null : r.GetString(8),
                    AnsweredBy = r.IsDBNull(9) ? null : r.GetString(9),
                    EndReason = Enum.TryParse(r.GetString(10), out EndReason reason) ? reason : EndReason.None,
                    SipStatus = (int)r.GetInt64(11),
                    HungUpBy = r.GetString(12),
                    Media = JsonSerializer.Deserialize(r.GetString(13), RecordJson.Default.ListLegMedia) ?? [],
                    Dialogs = JsonSerializer.Deserialize(r.GetString(14), RecordJson.Default.ListString) ?? [],
                });
            }

            return (list, total);
        }
    }

    public int Purge(DateTimeOffset before)
    {
        lock (_lock)
        {
            return Database.Execute(_db, null, "DELETE FROM cdr WHERE start_ms < @before", ("@before", before.ToUnixTimeMilliseconds()));
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _insert.Dispose();
            _db.Dispose();
        }
    }
}
