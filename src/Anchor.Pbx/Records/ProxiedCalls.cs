using System.Collections.Concurrent;
using Anchor.Pbx.Calls;

namespace Anchor.Pbx.Records;

/// <summary>A phone-to-phone call Anchor proxies (no <see cref="Call"/> of its own), as the records and the API see it.</summary>
public sealed record ProxiedCall(string CallId, CallInfo Info, DateTimeOffset Start, DateTimeOffset? Answer);

/// <summary>
/// The records of calls Anchor only proxies: started at the INVITE to an extension, answered at its 2xx, ended by the
/// BYE that passes through (the record-routed dialog) or by the caller's final non-2xx. A call handed to an application
/// (forward, mailbox, pickup) is forgotten here: its <see cref="Call"/> writes its record. A dialog whose BYE never
/// passes Anchor is written after 8 hours as ended by nobody known.
/// </summary>
public sealed class ProxiedCalls
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(8);
    private readonly ConcurrentDictionary<string, Pending> _calls = new(StringComparer.Ordinal);
    private readonly CallRecords _sink;
    private readonly TimeProvider _time;
    private long _lastSweepTicks;

    internal ProxiedCalls(CallRecords sink, TimeProvider time)
    {
        _sink = sink;
        _time = time;
    }

    public IReadOnlyList<ProxiedCall> Active =>
        _calls.Select(kv => new ProxiedCall(kv.Key, kv.Value.Info, kv.Value.Start, kv.Value.Answer)).ToList();

    public void Started(string callId, CallInfo info, string? callerTag)
    {
        DateTimeOffset now = _time.GetUtcNow();
        _calls.TryAdd(callId, new Pending(info, now, callerTag));
        if (now.UtcTicks - Interlocked.Read(ref _lastSweepTicks) > TimeSpan.TicksPerHour)
        {
            Interlocked.Exchange(ref _lastSweepTicks, now.UtcTicks);
            foreach (var (id, p) in _calls)
            {
                if (now - p.Start > StaleAfter && _calls.TryRemove(id, out _))
                {
                    _sink.Add(Record(id, p, now, EndReason.None, p.Answer is null ? 408 : 200, "unknown"));
                }
            }
        }
    }

    public void Answered(string callId)
    {
        if (_calls.TryGetValue(callId, out Pending? p))
        {
            p.Answer ??= _time.GetUtcNow();
        }
    }

    /// <summary>The caller got a final non-2xx: the call never was.</summary>
    public void Failed(string callId, int status, bool cancelled)
    {
        if (_calls.TryRemove(callId, out Pending? p))
        {
            EndReason reason = cancelled ? EndReason.Cancelled : status switch
            {
                408 or 480 => EndReason.NoAnswer,
                404 or 410 or 484 => EndReason.Unavailable,
                _ => EndReason.Refused,
            };
            _sink.Add(Record(callId, p, _time.GetUtcNow(), reason, cancelled ? 487 : status, cancelled ? "caller" : "callee"));
        }
    }

    /// <summary>A BYE of the dialog passed; <paramref name="then"/> runs once its record is committed (at once for an unknown call).</summary>
    public void Bye(string callId, string? fromTag, Action? then = null)
    {
        if (!_calls.TryGetValue(callId, out Pending? p) || p.Answer is null || !_calls.TryRemove(callId, out _))
        {
            then?.Invoke();
            return;
        }

        bool byCaller = fromTag is not null && fromTag == p.CallerTag;
        _sink.Add(Record(callId, p, _time.GetUtcNow(), byCaller ? EndReason.CallerHungUp : EndReason.CalleeHungUp, 200,
            byCaller ? "caller" : "callee"), then);
    }

    /// <summary>The call went to an application: its own record follows.</summary>
    public void Forget(string callId) => _calls.TryRemove(callId, out _);

    private static CallRecord Record(string callId, Pending p, DateTimeOffset end, EndReason reason, int status, string hungUpBy) => new()
    {
        Id = callId,
        Start = p.Start,
        Answer = p.Answer,
        End = end,
        From = p.Info.Caller,
        To = p.Info.Dialed,
        Dialed = p.Info.Dialed,
        Direction = p.Info.Direction,
        AnsweredBy = p.Answer is null ? null : p.Info.Dialed,
        EndReason = reason,
        SipStatus = status,
        HungUpBy = hungUpBy,
        Dialogs = [callId],
    };

    private sealed class Pending(CallInfo info, DateTimeOffset start, string? callerTag)
    {
        public CallInfo Info { get; } = info;

        public DateTimeOffset Start { get; } = start;

        public string? CallerTag { get; } = callerTag;

        public DateTimeOffset? Answer { get; set; }
    }
}
