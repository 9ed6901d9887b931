using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Records;

/// <summary>
/// Where ended calls' records go: queued by whoever ends a call, written by one writer in batches (the group commit the
/// location service uses), so a burst of hang-ups costs one transaction. <see cref="Add"/>'s <c>then</c> runs once the
/// record is committed: the 200 to a BYE waits for it, so a call whose end a phone has seen is on disk even if the
/// process is killed the next moment. Records older than the retention are purged once a day.
/// </summary>
public sealed class CallRecords : IDisposable
{
    private readonly ICallRecordStore _store;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Channel<(CallRecord? Record, Action? Then)> _queue =
        Channel.CreateUnbounded<(CallRecord?, Action?)>(new() { SingleReader = true });
    private readonly Task _writer;
    private readonly ITimer? _purge;
    private long _written;

    public CallRecords(ICallRecordStore store, ILogger log, TimeProvider? time = null, int retentionDays = 365)
    {
        _store = store;
        _log = log;
        _time = time ?? TimeProvider.System;
        RetentionDays = retentionDays;
        Proxied = new ProxiedCalls(this, _time);
        _writer = Task.Run(WriteLoopAsync);
        if (retentionDays > 0)
        {
            _purge = _time.CreateTimer(_ => PurgeOld(), null, TimeSpan.FromMinutes(1), TimeSpan.FromDays(1));
        }
    }

    public int RetentionDays { get; }

    /// <summary>Phone-to-phone calls Anchor only proxies: their records are kept from the INVITE, the answer and the BYE.</summary>
    public ProxiedCalls Proxied { get; }

    /// <summary>Every call's record as it ends (before it is written): the metrics count calls and RTP from it.</summary>
    public event Action<CallRecord>? Ended;

    /// <summary>Records committed since start.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Queues <paramref name="record"/>; <paramref name="then"/> runs once it is committed (or its write failed and was logged).</summary>
    public void Add(CallRecord record, Action? then = null)
    {
        Ended?.Invoke(record);
        if (!_queue.Writer.TryWrite((record, then)))
        {
            then?.Invoke(); // shutting down: never hold a response back
        }
    }

    /// <summary>Runs <paramref name="then"/> once everything queued so far is committed.</summary>
    public void WhenWritten(Action then)
    {
        if (!_queue.Writer.TryWrite((null, then)))
        {
            then();
        }
    }

    public (IReadOnlyList<CallRecord> Records, int Total) Query(CallRecordQuery query) => _store.Query(query);

    /// <summary>Waits until everything queued so far is committed.</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        WhenWritten(done.SetResult);
        return done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<CallRecord>(64);
        var thens = new List<Action>(64);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count + thens.Count < 1000 && _queue.Reader.TryRead(out var item))
            {
                if (item.Record is { } r)
                {
                    batch.Add(r);
                }

                if (item.Then is { } t)
                {
                    thens.Add(t);
                }
            }

            if (batch.Count > 0)
            {
                try
                {
                    _store.Append(batch);
                    Interlocked.Add(ref _written, batch.Count);
                }
                catch (Exception e)
                {
                    // A full or read-only disk must not stop the PBX: calls go on, and the log says what was not kept.
                    _log.LogError(e, "Call records: writing {Count} records failed; they are lost", batch.Count);
                }
            }

            foreach (Action t in thens)
            {
                try
                {
                    t();
                }
                catch (Exception e)
                {
                    _log.LogError(e, "Call records: after-write action failed");
                }
            }

            batch.Clear();
            thens.Clear();
        }
    }

    private void PurgeOld()
    {
        try
        {
            int n = _store.Purge(_time.GetUtcNow() - TimeSpan.FromDays(RetentionDays));
            if (n > 0)
            {
                _log.LogInformation("Call records: {Count} older than {Days} days purged", n, RetentionDays);
            }
        }
        catch (Exception e)
        {
            _log.LogError(e, "Call records: purge failed");
        }
    }

    public void Dispose()
    {
        _purge?.Dispose();
        _queue.Writer.TryComplete();
        _writer.Wait(TimeSpan.FromSeconds(5));
        _store.Dispose();
    }
}
