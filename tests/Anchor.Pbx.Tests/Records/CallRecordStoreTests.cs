using Anchor.Pbx.Calls;
using Anchor.Pbx.Records;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Anchor.Pbx.Tests.Records;

public sealed class CallRecordStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("anchor-cdr-").FullName;

    private static readonly System.Text.Json.JsonSerializerOptions Web = new(System.Text.Json.JsonSerializerDefaults.Web);

    private string Db => $"Data Source={Path.Combine(_dir, "a.db")};Pooling=False";

    private static CallRecord Record(string id, DateTimeOffset start, string from, string to, CallDirection dir, bool answered = true) => new()
    {
        Id = id,
        Start = start,
        Answer = answered ? start.AddSeconds(2) : null,
        End = start.AddSeconds(32.6),
        From = from,
        To = to,
        Dialed = to,
        Direction = dir,
        AnsweredBy = answered ? to : null,
        EndReason = answered ? EndReason.CallerHungUp : EndReason.NoAnswer,
        SipStatus = answered ? 200 : 480,
        HungUpBy = answered ? "caller" : "callee",
        Media = [new LegMedia("101", "127.0.0.1:4000", "127.0.0.1:4002", 1500, 1490, 3, 1.5)],
    };

    [Fact]
    public void Media_and_dialogs_are_stored_as_web_json_and_read_back_whole()
    {
        var t0 = new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
        var media = new LegMedia("itsp", "203.0.113.5:30000", null, 1500, 1490, 3, 1.5, Rejected: 7, FirstAudioSeconds: -0.4, Timeline: [250, 250, 0]);
        CallRecord written = Record("m", t0, "101", "14085551212", CallDirection.Outbound) with { Media = [media], Dialogs = ["d1;a;b", "d2;c;d"] };
        using (var store = new SqlCallRecordStore(Db))
        {
            store.Append([written]);
        }

        // The columns' text is what the web defaults of System.Text.Json make of the same values (as rows of earlier
        // versions were written): older rows read the same way.
        using (var db = new SqliteConnection(Db))
        {
            db.Open();
            using SqliteCommand q = db.CreateCommand();
            q.CommandText = "SELECT media, dialogs FROM cdr WHERE id = 'm'";
            using SqliteDataReader r = q.ExecuteReader();
            Assert.True(r.Read());
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize<IReadOnlyList<LegMedia>>([media], Web), r.GetString(0));
            Assert.Contains("\"firstAudioSeconds\":-0.4", r.GetString(0), StringComparison.Ordinal);
            Assert.Equal("[\"d1;a;b\",\"d2;c;d\"]", r.GetString(1));
        }

        using var again = new SqlCallRecordStore(Db);
        CallRecord read = Assert.Single(again.Query(new CallRecordQuery()).Records);
        LegMedia m = Assert.Single(read.Media);
        Assert.Equal(media with { Timeline = null }, m with { Timeline = null });
        Assert.Equal([250, 250, 0], m.Timeline ?? []);
        Assert.Equal(["d1;a;b", "d2;c;d"], read.Dialogs);
    }

    [Fact]
    public void Records_come_back_filtered_newest_first_and_paged()
    {
        var t0 = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
        using (var store = new SqlCallRecordStore(Db))
        {
            store.Append([
                Record("a", t0, "101", "102", CallDirection.Internal),
                Record("b", t0.AddMinutes(1), "101", "14085551212", CallDirection.Outbound),
                Record("c", t0.AddMinutes(2), "14085550000", "101", CallDirection.Inbound, answered: false),
            ]);
        }

        using var again = new SqlCallRecordStore(Db); // reopened: the migration is not run twice
        (IReadOnlyList<CallRecord> all, int total) = again.Query(new CallRecordQuery());
        Assert.Equal(3, total);
        Assert.Equal(["c", "b", "a"], all.Select(r => r.Id));
        CallRecord a = all[2];
        Assert.Equal(31, a.Billable); // 30.6 s answered, rounded
        Assert.Equal(32.6, a.Duration);
        Assert.Equal(1490, Assert.Single(a.Media).Forwarded);
        Assert.Null(all[0].Answer);
        Assert.Equal(0, all[0].Billable);

        Assert.Equal(["c", "b", "a"], again.Query(new CallRecordQuery { Extension = "101" }).Records.Select(r => r.Id));
        Assert.Equal(["a"], again.Query(new CallRecordQuery { Extension = "101", Direction = CallDirection.Internal }).Records.Select(r => r.Id));
        Assert.Equal(["b"], again.Query(new CallRecordQuery { Direction = CallDirection.Outbound }).Records.Select(r => r.Id));
        Assert.Equal(["a"], again.Query(new CallRecordQuery { Extension = "102" }).Records.Select(r => r.Id));
        Assert.Equal(["b"], again.Query(new CallRecordQuery { Number = "555121" }).Records.Select(r => r.Id));
        Assert.Equal(["b"], again.Query(new CallRecordQuery { Since = t0.AddSeconds(30), Until = t0.AddSeconds(90) }).Records.Select(r => r.Id));
        (IReadOnlyList<CallRecord> page2, int t) = again.Query(new CallRecordQuery { Page = 2, PageSize = 2 });
        Assert.Equal(3, t);
        Assert.Equal(["a"], page2.Select(r => r.Id));

        Assert.Equal(2, again.Purge(t0.AddSeconds(90)));
        Assert.Equal(["c"], again.Query(new CallRecordQuery()).Records.Select(r => r.Id));
    }

    [Fact]
    public void A_database_made_by_a_newer_anchor_stops_start_up_naming_it()
    {
        using (new SqlCallRecordStore(Db))
        {
        }

        using (var db = new SqliteConnection(Db))
        {
            db.Open();
            using SqliteCommand c = db.CreateCommand();
            c.CommandText = "UPDATE schema_version SET version = 9 WHERE component = 'call_records'";
            Assert.Equal(1, c.ExecuteNonQuery());
        }

        var e = Assert.Throws<InvalidOperationException>(() => new SqlCallRecordStore(Db));
        Assert.Contains("call_records tables are at version 9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Then_runs_once_the_record_is_committed_and_proxied_calls_are_recorded_from_their_signalling()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
        using var records = new CallRecords(new SqlCallRecordStore(Db), NullLogger.Instance, time, retentionDays: 0);
        var info = new CallInfo("101", "Alice", "102", CallDirection.Internal);
        records.Proxied.Started("cid-1", info, callerTag: "t101");
        time.Advance(TimeSpan.FromSeconds(3));
        records.Proxied.Answered("cid-1");
        Assert.Single(records.Proxied.Active);
        time.Advance(TimeSpan.FromSeconds(10));
        var committed = new TaskCompletionSource<int>();
        records.Proxied.Bye("cid-1", fromTag: "t102", () => committed.SetResult(records.Query(new CallRecordQuery()).Total));
        Assert.Equal(1, await committed.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Empty(records.Proxied.Active);

        records.Proxied.Started("cid-2", info, callerTag: "t101");
        records.Proxied.Failed("cid-2", 486, cancelled: false);
        records.Proxied.Started("cid-3", info, callerTag: "t101");
        records.Proxied.Failed("cid-3", 487, cancelled: true);
        await records.FlushAsync().WaitAsync(TimeSpan.FromSeconds(5));

        IReadOnlyList<CallRecord> all = records.Query(new CallRecordQuery()).Records;
        CallRecord answered = all.Single(r => r.Id == "cid-1");
        Assert.Equal(("callee", EndReason.CalleeHungUp, 10), (answered.HungUpBy, answered.EndReason, answered.Billable));
        Assert.Equal((EndReason.Refused, 486, "callee"), all.Single(r => r.Id == "cid-2") is var busy ? (busy.EndReason, busy.SipStatus, busy.HungUpBy) : default);
        Assert.Equal((EndReason.Cancelled, 487, "caller"), all.Single(r => r.Id == "cid-3") is var c ? (c.EndReason, c.SipStatus, c.HungUpBy) : default);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
