using System.Globalization;
using System.Text;
using System.Text.Json;
using Anchor.Pbx.Calls;
using Microsoft.Data.Sqlite;

namespace Anchor.Pbx.Records;

/// <summary>Call records in SQLite (WAL: a committed batch survives a crash of the process; readers never block the writer).</summary>
public sealed class SqliteCallRecordStore : ICallRecordStore
{
    private const string Columns =
        "id, start_ms, answer_ms, end_ms, from_user, to_user, dialed, direction, trunk, answered_by, end_reason, sip_status, hung_up_by, media, dialogs";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly SqliteConnection _db;
    private readonly Lock _lock = new();

    public SqliteCallRecordStore(string connectionString)
    {
        _db = Storage.SqliteFile.Open(connectionString);
        using (SqliteCommand c = _db.CreateCommand())
        {
            c.CommandText = "PRAGMA synchronous=NORMAL;";
            c.ExecuteNonQuery();
        }

        Storage.SqliteFile.Migrate(_db, "call_records",
            """
            CREATE TABLE cdr (
              seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, start_ms INTEGER NOT NULL, answer_ms INTEGER NULL,
              end_ms INTEGER NOT NULL, from_user TEXT NOT NULL, to_user TEXT NOT NULL, dialed TEXT NOT NULL, direction TEXT NOT NULL,
              trunk TEXT NULL, answered_by TEXT NULL, end_reason TEXT NOT NULL, sip_status INTEGER NOT NULL, hung_up_by TEXT NOT NULL,
              media TEXT NOT NULL);
            CREATE INDEX cdr_start ON cdr (start_ms);
            """,
            "ALTER TABLE cdr ADD COLUMN dialogs TEXT NOT NULL DEFAULT '[]';");
    }

    public void Append(IReadOnlyList<CallRecord> records)
    {
        lock (_lock)
        {
            using SqliteTransaction tx = _db.BeginTransaction();
            using SqliteCommand insert = _db.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = $"INSERT INTO cdr ({Columns}) VALUES ($id, $s, $a, $e, $f, $t, $d, $dir, $tr, $ab, $er, $st, $hu, $m, $dl)";
            string[] names = ["$id", "$s", "$a", "$e", "$f", "$t", "$d", "$dir", "$tr", "$ab", "$er", "$st", "$hu", "$m", "$dl"];
            foreach (string n in names)
            {
                insert.Parameters.Add(new SqliteParameter { ParameterName = n });
            }

            foreach (CallRecord r in records)
            {
                object?[] values =
                [
                    r.Id, r.Start.ToUnixTimeMilliseconds(), r.Answer?.ToUnixTimeMilliseconds(), r.End.ToUnixTimeMilliseconds(), r.From, r.To,
                    r.Dialed, r.Direction.ToString(), r.Trunk, r.AnsweredBy, r.EndReason.ToString(), r.SipStatus, r.HungUpBy,
                    JsonSerializer.Serialize(r.Media, Json), JsonSerializer.Serialize(r.Dialogs, Json),
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
        CallRecordQuery q = query;
        lock (_lock)
        {
            using SqliteCommand cmd = _db.CreateCommand();
            var where = new StringBuilder(" WHERE 1=1");
            if (q.Id is { } id)
            {
                where.Append(" AND id = $id");
                cmd.Parameters.AddWithValue("$id", id);
            }

            if (q.Since is { } since)
            {
                where.Append(" AND start_ms >= $since");
                cmd.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
            }

            if (q.Until is { } until)
            {
                where.Append(" AND start_ms < $until");
                cmd.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
            }

            if (q.Extension is { } ext)
            {
                where.Append(" AND (from_user = $ext OR to_user = $ext OR answered_by = $ext)");
                cmd.Parameters.AddWithValue("$ext", ext);
            }

            if (q.Number is { } number)
            {
                where.Append(" AND (instr(from_user, $num) > 0 OR instr(to_user, $num) > 0 OR instr(dialed, $num) > 0)");
                cmd.Parameters.AddWithValue("$num", number);
            }

            if (q.Direction is { } dir)
            {
                where.Append(" AND direction = $dir");
                cmd.Parameters.AddWithValue("$dir", dir.ToString());
            }

            cmd.CommandText = "SELECT count(*) FROM cdr" + where;
            int total = Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
            int size = Math.Clamp(q.PageSize, 1, CallRecordQuery.MaxPageSize);
            cmd.CommandText = $"SELECT {Columns} FROM cdr{where} ORDER BY start_ms DESC, seq DESC LIMIT $limit OFFSET $offset";
            cmd.Parameters.AddWithValue("$limit", size);
            cmd.Parameters.AddWithValue("$offset", (long)(Math.Max(q.Page, 1) - 1) * size);
            var list = new List<CallRecord>();
            using SqliteDataReader r = cmd.ExecuteReader();
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
                    SipStatus = r.GetInt32(11),
                    HungUpBy = r.GetString(12),
                    Media = JsonSerializer.Deserialize<List<LegMedia>>(r.GetString(13), Json) ?? [],
                    Dialogs = JsonSerializer.Deserialize<List<string>>(r.GetString(14), Json) ?? [],
                });
            }

            return (list, total);
        }
    }

    public int Purge(DateTimeOffset before)
    {
        lock (_lock)
        {
            using SqliteCommand cmd = _db.CreateCommand();
            cmd.CommandText = "DELETE FROM cdr WHERE start_ms < $before";
            cmd.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            return cmd.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _db.Dispose();
        }
    }
}
