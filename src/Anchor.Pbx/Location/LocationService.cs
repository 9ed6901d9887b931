using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Anchor.Pbx.Location;

/// <summary>
/// The location service (RFC 3261 §10.2): bindings per address of record, in memory for lookups and written to an
/// <see cref="ILocationStore"/> in batches by one background writer. The registrar answers 200 only once the batch
/// holding its change is committed (<see cref="WhenCommitted"/>: group commit), so a registration the phone was told
/// about survives a crash or SIGKILL, while one transaction still carries many REGISTERs. Loaded from the store at
/// start; expired bindings are purged in memory and in the store.
/// </summary>
public sealed class LocationService : IAsyncDisposable
{
    private readonly ILocationStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, List<Binding>> _aors = new(StringComparer.Ordinal);

    /// <summary>Contact URI → binding, for routing in-dialog requests to a phone's NAT address without scanning every AOR.</summary>
    private readonly ConcurrentDictionary<string, Binding> _byContact = new(StringComparer.Ordinal);

    /// <summary>
    /// Contact host:port and source address → binding: a phone's dialog Contact need not be the string it registered
    /// (other parameters, no user part), but it is at the same address. The value is the one <see cref="Binding"/> at
    /// that address (a phone: the usual case, no collection per phone), or a <see cref="Dictionary{TKey, TValue}"/> by
    /// (AOR, Contact) when several share it (a phone's lines, a gateway).
    /// </summary>
    private readonly Dictionary<IPEndPoint, object> _byAddress = [];

    /// <summary>
    /// Guards <see cref="_byAddress"/>: one address may carry several AORs (a phone's lines, or every account of a
    /// gateway or a load generator), changed under different AOR locks; each change touches only its own entry.
    /// </summary>
    private readonly Lock _addressGate = new();
    private readonly Channel<(string, string, Binding?)> _writes = Channel.CreateUnbounded<(string, string, Binding?)>(new() { SingleReader = true });
    private readonly Task _writer;
    private readonly Anchor.Sip.Transactions.SipTimer _purge;
    private readonly Anchor.Sip.Transactions.SipTimerQueue? _ownQueue;
    private long _enqueued;
    private long _committed;
    private readonly ConcurrentQueue<(long Target, Action Then)> _afterCommit = new();

    /// <param name="timers">The process's one timer queue; null: one of its own on <paramref name="time"/> (tests).</param>
    public LocationService(ILocationStore store, TimeProvider? time = null, ILogger? log = null, Anchor.Sip.Transactions.SipTimerQueue? timers = null)
    {
        _store = store;
        _time = time ?? TimeProvider.System;
        _log = log ?? NullLogger.Instance;
        DateTimeOffset now = _time.GetUtcNow();
        int loaded = 0;
        foreach (Binding b in store.LoadAll())
        {
            if (!b.IsExpired(now))
            {
                _aors.GetOrAdd(b.Aor, NewList).Add(b);
                Index(b);
                loaded++;
            }
        }

        store.PurgeExpired(now);
        _log.LogInformation("Location service loaded {Count} bindings", loaded);
        _writer = Task.Run(WriteLoopAsync);
        _ownQueue = timers is null ? new Anchor.Sip.Transactions.SipTimerQueue(_time) : null;
        _purge = Anchor.Sip.Transactions.SipTimer.Every(timers ?? _ownQueue!, TimeSpan.FromSeconds(30), Purge);
    }

    /// <summary>Room for one binding: most phones register one Contact (a list grows from 4 otherwise).</summary>
    private static List<Binding> NewList(string aor) => new(1);

    /// <summary>Called when a binding is removed for any reason other than the phone asking (expiry, keep-alive failure).</summary>
    public event Action<Binding, string>? BindingDropped;

    /// <summary>The live bindings of an AOR, best q first.</summary>
    public IReadOnlyList<Binding> Lookup(string aor)
    {
        if (!_aors.TryGetValue(aor, out List<Binding>? list))
        {
            return [];
        }

        DateTimeOffset now = _time.GetUtcNow();
        lock (list)
        {
            int live = 0;
            foreach (Binding b in list)
            {
                live += b.IsExpired(now) ? 0 : 1;
            }

            if (live == 0)
            {
                return [];
            }

            var found = new Binding[live];
            int n = 0;
            foreach (Binding b in list)
            {
                if (!b.IsExpired(now))
                {
                    found[n++] = b;
                }
            }

            // Best q first, registration order among equals (a stable insertion sort: an AOR has a few bindings).
            for (int i = 1; i < found.Length; i++)
            {
                Binding b = found[i];
                int j = i - 1;
                for (; j >= 0 && found[j].QValue < b.QValue; j--)
                {
                    found[j + 1] = found[j];
                }

                found[j + 1] = b;
            }

            return found;
        }
    }

    /// <summary>The live binding whose Contact is exactly <paramref name="contactUri"/>, if any.</summary>
    public Binding? FindByContact(string contactUri) =>
        _byContact.TryGetValue(contactUri, out Binding? b) && !b.IsExpired(_time.GetUtcNow()) ? b : null;

    /// <summary>
    /// The live binding a request for <paramref name="target"/> belongs to: by its exact Contact, else by the address in
    /// it (its Contact's host and port, or the address its REGISTER came from); null when no registered phone is there.
    /// </summary>
    public Binding? FindByTarget(in Anchor.Sip.Message.SipUri target)
    {
        if (FindByContact(target.ToString()) is { } exact)
        {
            return exact;
        }

        if (AddressOf(target) is not { } ep)
        {
            return null;
        }

        DateTimeOffset now = _time.GetUtcNow();
        lock (_addressGate)
        {
            switch (_byAddress.GetValueOrDefault(ep))
            {
                case Binding one:
                    return one.IsExpired(now) ? null : one;
                case Dictionary<(string, string), Binding> many:
                    foreach (Binding b in many.Values)
                    {
                        if (!b.IsExpired(now))
                        {
                            return b;
                        }
                    }

                    break;
            }
        }

        return null;
    }

    public IReadOnlyList<Binding> All() => _aors.Values.SelectMany(l => { lock (l) { return l.ToArray(); } }).ToArray();

    /// <summary>Runs <paramref name="update"/> on the AOR's bindings under its lock (§10.3 steps 7–8 are one atomic step).</summary>
    public T Update<T>(string aor, Func<List<Binding>, (T Result, IReadOnlyList<(string Contact, Binding? Binding)> Changes)> update)
    {
        List<Binding> list = _aors.GetOrAdd(aor, NewList);
        (T result, IReadOnlyList<(string, Binding?)> changes) r;
        lock (list)
        {
            r = update(list);
            foreach (var (contact, binding) in r.changes)
            {
                Enqueue(aor, contact, binding);
            }
        }

        return r.result;
    }

    /// <summary>Removes one binding (keep-alive failure), if it is still the same one.</summary>
    public void Drop(Binding binding, string why)
    {
        if (!_aors.TryGetValue(binding.Aor, out List<Binding>? list))
        {
            return;
        }

        bool removed;
        lock (list)
        {
            removed = list.Remove(binding);
            if (removed)
            {
                Enqueue(binding.Aor, binding.ContactUri, null);
            }
        }

        if (removed)
        {
            _log.LogInformation("Binding {Contact} of {Aor} dropped: {Why}", binding.ContactUri, binding.Aor, why);
            BindingDropped?.Invoke(binding, why);
        }
    }

    /// <summary>Waits until every change made so far is in the store.</summary>
    public async Task FlushAsync(TimeSpan timeout)
    {
        var deadline = _time.GetUtcNow() + timeout;
        while (Interlocked.Read(ref _committed) < Interlocked.Read(ref _enqueued) && _time.GetUtcNow() < deadline)
        {
            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    private void Enqueue(string aor, string contact, Binding? b)
    {
        // Called under the AOR's lock for every change: the reverse index follows the same changes.
        if (b is null)
        {
            if (_byContact.TryGetValue(contact, out Binding? old) && old.Aor == aor)
            {
                _byContact.TryRemove(new KeyValuePair<string, Binding>(contact, old));
                Unindex(old);
            }
        }
        else
        {
            if (_byContact.TryGetValue(contact, out Binding? old))
            {
                Unindex(old);
            }

            Index(b);
        }

        Interlocked.Increment(ref _enqueued);
        _writes.Writer.TryWrite((aor, contact, b));
    }

    /// <summary>
    /// Runs <paramref name="then"/> once every change made so far has been through the store (committed, or failed and
    /// logged: a broken store must not stop the PBX). Runs at once when nothing is pending.
    /// </summary>
    public void WhenCommitted(Action then)
    {
        long target = Interlocked.Read(ref _enqueued);
        if (Interlocked.Read(ref _committed) >= target)
        {
            then();
            return;
        }

        _afterCommit.Enqueue((target, then));

        // The writer may have passed the target between the check and the enqueue.
        RunCommitted();
    }

    private void RunCommitted()
    {
        // One runner at a time: peek-then-dequeue by two threads could take an item whose target is not reached yet.
        List<Action>? ready = null;
        lock (_afterCommit)
        {
            long committed = Interlocked.Read(ref _committed);
            while (_afterCommit.TryPeek(out var next) && next.Target <= committed && _afterCommit.TryDequeue(out var item))
            {
                (ready ??= []).Add(item.Then);
            }
        }

        foreach (Action then in ready ?? [])
        {
            try
            {
                then();
            }
            catch (Exception e)
            {
                _log.LogError(e, "After-commit action failed");
            }
        }
    }

    /// <summary>
    /// Changes arriving within this long of the last commit mean a burst (many phones registering at once, a load
    /// test): the writer then lets <see cref="GatherDelay"/> pass before taking its batch, so one transaction, and one
    /// wake of the writer, carries that millisecond's changes instead of two or three. A lone change is written at once.
    /// Real time on purpose: it is about the machine's throughput, not the PBX's clock.
    /// </summary>
    private static readonly TimeSpan BusyGap = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(1);

    private async Task WriteLoopAsync()
    {
        var batch = new List<(string, string, Binding?)>(256);
        long lastCommit = 0;
        while (await _writes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (lastCommit != 0 && Stopwatch.GetElapsedTime(lastCommit) < BusyGap)
            {
                // A short block of this pool thread, and only under load (measured: bench/README, "group commit").
                Thread.Sleep(GatherDelay);
            }

            while (batch.Count < 1000 && _writes.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                _store.Apply(batch);
            }
            catch (Exception e)
            {
                // The store is full, read-only or gone: calls keep working from memory; say so loudly.
                _log.LogError(e, "Location store write of {Count} changes failed; bindings are kept in memory only", batch.Count);
            }

            Interlocked.Add(ref _committed, batch.Count);
            lastCommit = Stopwatch.GetTimestamp();
            batch.Clear();
            RunCommitted();
        }
    }

    private void Purge()
    {
        DateTimeOffset now = _time.GetUtcNow();
        foreach (var (aor, list) in _aors)
        {
            Binding[] expired;
            lock (list)
            {
                expired = list.Where(b => b.IsExpired(now)).ToArray();
                foreach (Binding b in expired)
                {
                    list.Remove(b);
                    Enqueue(aor, b.ContactUri, null);
                }
            }

            foreach (Binding b in expired)
            {
                _log.LogInformation("Binding {Contact} of {Aor} expired", b.ContactUri, aor);
            }
        }
    }

    private void Index(Binding b)
    {
        _byContact[b.ContactUri] = b;
        lock (_addressGate)
        {
            foreach (IPEndPoint ep in Addresses(b))
            {
                switch (_byAddress.GetValueOrDefault(ep))
                {
                    case Binding one when one.Aor != b.Aor || one.ContactUri != b.ContactUri:
                        _byAddress[ep] = new Dictionary<(string, string), Binding> { [(one.Aor, one.ContactUri)] = one, [(b.Aor, b.ContactUri)] = b };
                        break;
                    case Dictionary<(string, string), Binding> many:
                        many[(b.Aor, b.ContactUri)] = b;
                        break;
                    default: // none yet, or this binding's older self
                        _byAddress[ep] = b;
                        break;
                }
            }
        }
    }

    private void Unindex(Binding b)
    {
        lock (_addressGate)
        {
            foreach (IPEndPoint ep in Addresses(b))
            {
                switch (_byAddress.GetValueOrDefault(ep))
                {
                    case Binding one when one == b:
                        _byAddress.Remove(ep);
                        break;
                    case Dictionary<(string, string), Binding> many when many.TryGetValue((b.Aor, b.ContactUri), out Binding? current) && current == b:
                        many.Remove((b.Aor, b.ContactUri));
                        if (many.Count == 1)
                        {
                            _byAddress[ep] = many.Values.First();
                        }

                        break;
                }
            }
        }
    }

    private static IEnumerable<IPEndPoint> Addresses(Binding b)
    {
        yield return b.Source.EndPoint;
        if (AddressOf(b.ContactUri) is { } ep && !ep.Equals(b.Source.EndPoint))
        {
            yield return ep;
        }
    }

    private static IPEndPoint? AddressOf(string contactUri) =>
        Anchor.Sip.Message.SipUri.TryParse(System.Text.Encoding.UTF8.GetBytes(contactUri), out var uri) ? AddressOf(uri) : null;

    private static IPEndPoint? AddressOf(in Anchor.Sip.Message.SipUri uri) =>
        uri.IsSip && IPAddress.TryParse(uri.HostString.Trim('[', ']'), out IPAddress? ip) ? new IPEndPoint(ip, uri.Port == 0 ? 5060 : uri.Port) : null;

    public async ValueTask DisposeAsync()
    {
        _purge.Cancel();
        _ownQueue?.Dispose();
        _writes.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _store.Dispose();
    }
}
