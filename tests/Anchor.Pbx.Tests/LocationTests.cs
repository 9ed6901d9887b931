using System.Net;
using Anchor.Pbx.Location;
using Anchor.Sip.Message;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Time.Testing;

namespace Anchor.Pbx.Tests;

public class LocationTests
{
    private static readonly SipEndPoint Source = new(TransportKind.Udp, new IPEndPoint(IPAddress.Parse("203.0.113.5"), 40000));

    private static string TempDb() => $"Data Source={Path.Combine(Directory.CreateTempSubdirectory("anchor-loc-").FullName, "l.db")}";

    private static Binding B(string aor, string contact, DateTimeOffset expires) =>
        new(aor, contact, expires, "call-1", 1, Source, 1000, null, "phone");

    [Fact]
    public async Task Bindings_survive_a_restart_and_expired_ones_do_not()
    {
        string db = TempDb();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var loc = new LocationService(new SqlLocationStore(db), clock);
        DateTimeOffset now = clock.GetUtcNow();
        loc.Update<int>("101", list =>
        {
            Binding a = B("101", "sip:101@192.0.2.1:5060", now.AddSeconds(3600)), b = B("101", "sip:101@192.0.2.2:5060", now.AddSeconds(60));
            list.Add(a);
            list.Add(b);
            return (0, new (string, Binding?)[] { (a.ContactUri, a), (b.ContactUri, b) });
        });
        Assert.Equal(2, loc.Lookup("101").Count);
        await loc.FlushAsync(TimeSpan.FromSeconds(5));
        await loc.DisposeAsync();

        clock.Advance(TimeSpan.FromSeconds(120)); // the short one has expired meanwhile
        var again = new LocationService(new SqlLocationStore(db), clock);
        Binding kept = Assert.Single(again.Lookup("101"));
        Assert.Equal("sip:101@192.0.2.1:5060", kept.ContactUri);
        Assert.Equal(Source, kept.Source);
        Assert.Equal("phone", kept.UserAgent);
        await again.DisposeAsync();
    }

    [Fact]
    public async Task Dropped_binding_is_gone_from_memory_and_store()
    {
        string db = TempDb();
        var loc = new LocationService(new SqlLocationStore(db));
        Binding a = B("102", "sip:102@192.0.2.9:5060", DateTimeOffset.UtcNow.AddHours(1));
        loc.Update<int>("102", list =>
        {
            list.Add(a);
            return (0, new (string, Binding?)[] { (a.ContactUri, a) });
        });
        string? why = null;
        loc.BindingDropped += (_, w) => why = w;
        loc.Drop(a, "no answer");
        Assert.Empty(loc.Lookup("102"));
        Assert.Equal("no answer", why);
        await loc.FlushAsync(TimeSpan.FromSeconds(5));
        await loc.DisposeAsync();
        var again = new LocationService(new SqlLocationStore(db));
        Assert.Empty(again.Lookup("102"));
        await again.DisposeAsync();
    }

    [Fact]
    public void Reverse_index_follows_register_refresh_and_drop()
    {
        var loc = new LocationService(new SqlLocationStore(TempDb()));
        DateTimeOffset exp = DateTimeOffset.UtcNow.AddHours(1);
        Binding first = B("104", "sip:104@192.0.2.4:5060", exp);
        loc.Update<int>("104", list =>
        {
            list.Add(first);
            return (0, new (string, Binding?)[] { (first.ContactUri, first) });
        });
        Assert.Same(first, loc.FindByContact("sip:104@192.0.2.4:5060"));

        Binding refreshed = first with { CSeq = 2 };
        loc.Update<int>("104", list =>
        {
            list.Remove(first);
            list.Add(refreshed);
            return (0, new (string, Binding?)[] { (refreshed.ContactUri, refreshed) });
        });
        Assert.Same(refreshed, loc.FindByContact("sip:104@192.0.2.4:5060"));

        loc.Drop(refreshed, "gone");
        Assert.Null(loc.FindByContact("sip:104@192.0.2.4:5060"));
        Assert.Null(loc.FindByContact("sip:nobody@192.0.2.4"));
    }

    [Fact]
    public void Address_index_holds_several_bindings_at_one_address_and_drops_each()
    {
        // Two lines of one phone: the same source, Contacts that differ only in user; a dialog Contact with another
        // user part at that address still finds a binding until both lines are gone.
        var loc = new LocationService(new SqlLocationStore(TempDb()));
        DateTimeOffset exp = DateTimeOffset.UtcNow.AddHours(1);
        Binding line1 = B("105", "sip:105@203.0.113.5:40000", exp), line2 = B("106", "sip:106@203.0.113.5:40000", exp);
        foreach (Binding b in new[] { line1, line2 })
        {
            loc.Update<int>(b.Aor, list =>
            {
                list.Add(b);
                return (0, new (string, Binding?)[] { (b.ContactUri, b) });
            });
        }

        Assert.True(SipUri.TryParse("sip:203.0.113.5:40000;transport=udp"u8.ToArray(), out SipUri dialog));
        Assert.Contains(loc.FindByTarget(dialog), new[] { line1, line2 });
        loc.Drop(line1, "test");
        Assert.Same(line2, loc.FindByTarget(dialog));
        Binding refreshed = line2 with { CSeq = 2 };
        loc.Update<int>("106", list =>
        {
            list.Remove(line2);
            list.Add(refreshed);
            return (0, new (string, Binding?)[] { (refreshed.ContactUri, refreshed) });
        });
        Assert.Same(refreshed, loc.FindByTarget(dialog));
        loc.Drop(refreshed, "test");
        Assert.Null(loc.FindByTarget(dialog));
    }

    [Fact]
    public void String_pool_shares_equal_values_up_to_its_capacity()
    {
        var pool = new StringPool(2);
        string a = pool.Intern(new string("Cisco/SPA504G-7.6.2b".AsSpan()))!;
        Assert.Same(a, pool.Intern(new string("Cisco/SPA504G-7.6.2b".AsSpan())));
        Assert.Null(pool.Intern(null));
        pool.Intern("baresip v1.0.0");
        string third = new("Yealink SIP-T46S".AsSpan());
        Assert.Same(third, pool.Intern(third));
        Assert.NotSame(pool.Intern(new string("Yealink SIP-T46S".AsSpan())), third); // full: returned as it came, not kept
        Assert.Equal(2, pool.Count);
        Assert.Same(a, pool.InternUtf8("Cisco/SPA504G-7.6.2b"u8)); // from the request's bytes, no string made
        Assert.Equal("Téléphone 1", pool.InternUtf8("Téléphone 1"u8));
        Assert.Equal(new string('x', 300), pool.InternUtf8(System.Text.Encoding.ASCII.GetBytes(new string('x', 300))));
    }

    [Fact]
    public void Lookup_orders_by_q()
    {
        var loc = new LocationService(new SqlLocationStore(TempDb()));
        DateTimeOffset exp = DateTimeOffset.UtcNow.AddHours(1);
        loc.Update<int>("103", list =>
        {
            list.Add(B("103", "sip:a@x", exp) with { QValue = 100 });
            list.Add(B("103", "sip:b@x", exp) with { QValue = 900 });
            list.Add(B("103", "sip:c@x", exp) with { QValue = 100 });
            list.Add(B("103", "sip:gone@x", DateTimeOffset.UtcNow.AddSeconds(-1)) with { QValue = 1000 });
            list.Add(B("103", "sip:d@x", exp) with { QValue = 900 });
            return (0, Array.Empty<(string, Binding?)>());
        });

        // Best q first; equal q in the order registered; an expired binding is not offered.
        Assert.Equal(["sip:b@x", "sip:d@x", "sip:a@x", "sip:c@x"], loc.Lookup("103").Select(b => b.ContactUri));
        Assert.Empty(loc.Lookup("104"));
    }
}

public class LocationDurabilityTests
{
    private static readonly SipEndPoint Source = new(TransportKind.Udp, new IPEndPoint(IPAddress.Parse("203.0.113.5"), 40000));

    [Fact]
    public async Task When_committed_runs_after_the_change_is_in_the_store()
    {
        var store = new SlowStore();
        var loc = new LocationService(store, TimeProvider.System);
        var b = new Binding("101", "sip:101@192.0.2.1", DateTimeOffset.UtcNow.AddHours(1), "c", 1, Source, 1000, null, null);
        loc.Update<int>("101", list =>
        {
            list.Add(b);
            return (0, new (string, Binding?)[] { (b.ContactUri, b) });
        });
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        loc.WhenCommitted(() => done.TrySetResult(store.Applied));
        store.Release.Set();
        Assert.Equal(1, await done.Task.WaitAsync(TimeSpan.FromSeconds(5))); // not before the write
        await loc.DisposeAsync();
    }

    [Fact]
    public async Task A_broken_store_is_logged_and_the_pbx_keeps_working_from_memory()
    {
        var log = new ListLogger();
        var loc = new LocationService(new BrokenStore(), TimeProvider.System, log);
        var b = new Binding("101", "sip:101@192.0.2.1", DateTimeOffset.UtcNow.AddHours(1), "c", 1, Source, 1000, null, null);
        loc.Update<int>("101", list =>
        {
            list.Add(b);
            return (0, new (string, Binding?)[] { (b.ContactUri, b) });
        });
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loc.WhenCommitted(() => done.TrySetResult());
        await done.Task.WaitAsync(TimeSpan.FromSeconds(5)); // the 200 still goes out
        Assert.Single(loc.Lookup("101"));
        Assert.Contains(log.Lines, l => l.Contains("Location store write of 1 changes failed", StringComparison.Ordinal));
        await loc.DisposeAsync();
    }

    [Fact]
    public async Task A_burst_of_changes_is_committed_in_fewer_transactions_and_every_change_is_kept()
    {
        var store = new CountingStore();
        var loc = new LocationService(store, TimeProvider.System);
        await Commit(loc, "998"); // the writer running (and compiled) before the burst
        await Task.Delay(50);
        const int Changes = 200;
        int pending = Changes;
        var allCommitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // From a thread of its own, as the UDP receive thread makes them (a spinning test on a pool thread starves the
        // writer of a worker).
        var burst = new Thread(() =>
        {
            for (int i = 0; i < Changes; i++)
            {
                // One change every ~0.2 ms, as a few thousand REGISTERs a second make: the instant store commits each one
                // long before the next comes unless the writer gathers them.
                var b = new Binding($"{1000 + i}", $"sip:{1000 + i}@192.0.2.1", DateTimeOffset.UtcNow.AddHours(1), "c", 1, Source, 1000, null, null);
                loc.Update<int>(b.Aor, list =>
                {
                    list.Add(b);
                    return (0, new (string, Binding?)[] { (b.ContactUri, b) });
                });
                loc.WhenCommitted(() =>
                {
                    if (Interlocked.Decrement(ref pending) == 0)
                    {
                        allCommitted.TrySetResult();
                    }
                });
                long until = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 5000;
                while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
                {
                    Thread.SpinWait(20);
                }
            }
        });
        burst.Start();

        await allCommitted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Changes + 1, store.Changes);
        Assert.True(store.Batches - 1 < Changes / 2, $"{store.Batches - 1} transactions for {Changes} changes");

        // After a quiet spell a lone change is a transaction of its own.
        await Task.Delay(50);
        int before = store.Batches;
        await Commit(loc, "999");
        Assert.Equal(before + 1, store.Batches);
        Assert.Equal(Changes + 2, store.Changes);
        await loc.DisposeAsync();
    }

    private static async Task Commit(LocationService loc, string aor)
    {
        var b = new Binding(aor, $"sip:{aor}@192.0.2.1", DateTimeOffset.UtcNow.AddHours(1), "c", 1, Source, 1000, null, null);
        loc.Update<int>(aor, list =>
        {
            list.Add(b);
            return (0, new (string, Binding?)[] { (b.ContactUri, b) });
        });
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loc.WhenCommitted(() => done.TrySetResult());
        await done.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private sealed class CountingStore : ILocationStore
    {
        private int _batches;
        private int _changes;

        public int Batches => Volatile.Read(ref _batches);

        public int Changes => Volatile.Read(ref _changes);

        public IReadOnlyList<Binding> LoadAll() => [];

        public void Apply(IReadOnlyList<(string Aor, string ContactUri, Binding? Binding)> changes)
        {
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _changes, changes.Count);
        }

        public int PurgeExpired(DateTimeOffset now) => 0;

        public void Dispose()
        {
        }
    }

    private sealed class SlowStore : ILocationStore
    {
        public ManualResetEventSlim Release { get; } = new();

        public int Applied { get; private set; }

        public IReadOnlyList<Binding> LoadAll() => [];

        public void Apply(IReadOnlyList<(string Aor, string ContactUri, Binding? Binding)> changes)
        {
            Release.Wait(TimeSpan.FromSeconds(5));
            Applied += changes.Count;
        }

        public int PurgeExpired(DateTimeOffset now) => 0;

        public void Dispose()
        {
        }
    }

    private sealed class BrokenStore : ILocationStore
    {
        public IReadOnlyList<Binding> LoadAll() => [];

        public void Apply(IReadOnlyList<(string Aor, string ContactUri, Binding? Binding)> changes) =>
            throw new InvalidOperationException("database or disk is full");

        public int PurgeExpired(DateTimeOffset now) => 0;

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add(formatter(state, exception));
            }
        }
    }
}
