using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Security;

/// <summary>The Security section, validated.</summary>
public sealed record SecurityOptions
{
    /// <summary>Networks exempt from rate limits and bans (never from authentication).</summary>
    public IReadOnlyList<IPNetwork> TrustedNetworks { get; init; } = [];

    /// <summary>Hosts exempt likewise: the trunks' proxies (all of an ITSP's traffic comes from them).</summary>
    public IReadOnlyCollection<IPAddress> TrustedHosts { get; init; } = [];

    /// <summary>Failed authentications from one source (or against one user) within a minute that get the source banned.</summary>
    public int AuthFailuresPerMinute { get; init; } = 10;

    /// <summary>First ban; each further ban of the same source doubles it (up to a day).</summary>
    public TimeSpan Ban { get; init; } = TimeSpan.FromSeconds(900);

    /// <summary>Sustained messages per second one source may send; twice this is the burst it may have.</summary>
    public int RequestsPerSecondPerSource { get; init; } = 250;

    /// <summary>Sources tracked at once; past this, new sources are admitted untracked rather than remembered.</summary>
    public int MaxTrackedSources { get; init; } = 65536;
}

/// <summary>
/// Bans and per-source rate limits, consulted by the transport before a message is parsed (<see cref="ISourceFilter"/>):
/// a token bucket per source address (Kamailio's pike), a sliding one-minute window of failed authentications per
/// source and per user, and bans that double for repeat offenders. Every table is capped and idle entries are purged,
/// so no flood of sources or user names can grow it without bound. Trusted networks and the trunks' proxies are never
/// rate-limited or banned.
/// </summary>
public sealed class SourceGuard : ISourceFilter, IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxBan = TimeSpan.FromDays(1);
    private const int MaxTrackedUsers = 10000;

    private readonly SecurityOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<IPAddress, SourceState> _sources = new();
    private readonly ConcurrentDictionary<string, FailureWindow> _users = new(StringComparer.Ordinal);
    private volatile FrozenSet<IPAddress> _trustedHosts;
    private readonly SipTimer _purge;
    private readonly SipTimerQueue? _ownQueue;
    private readonly long _windowTicks;
    private readonly double _tokensPerTick;
    private readonly double _burst;
    private long _untracked;
    private int _tracked;

    /// <param name="timers">The process's one timer queue; null: one of its own on <paramref name="time"/> (tests).</param>
    public SourceGuard(SecurityOptions options, TimeProvider time, ILogger log, SipTimerQueue? timers = null)
    {
        _options = options;
        _time = time;
        _log = log;
        _windowTicks = (long)(Window.TotalSeconds * time.TimestampFrequency);
        _tokensPerTick = options.RequestsPerSecondPerSource / (double)time.TimestampFrequency;
        _burst = options.RequestsPerSecondPerSource * 2.0;
        _trustedHosts = options.TrustedHosts.Select(Normalise).ToFrozenSet(); // replaced whole (Trust): no lock on the receive path
        _ownQueue = timers is null ? new SipTimerQueue(time) : null;
        _purge = SipTimer.Every(timers ?? _ownQueue!, TimeSpan.FromSeconds(30), Purge);
    }

    public int TrackedSources => Volatile.Read(ref _tracked);

    /// <summary>The trunks' proxies changed (a trunk added or removed while running): they are the exempt hosts from now on.</summary>
    public void Trust(IEnumerable<IPAddress> hosts) => _trustedHosts = hosts.Select(Normalise).ToFrozenSet();

    public int BannedSources => _sources.Values.Count(s => s.BannedUntil > _time.GetTimestamp());

    /// <summary>Sources admitted without being tracked because the table was full.</summary>
    public long Untracked => Interlocked.Read(ref _untracked);

    public bool IsTrusted(IPAddress address)
    {
        IPAddress a = Normalise(address);
        if (_trustedHosts.Contains(a))
        {
            return true;
        }

        foreach (IPNetwork n in _options.TrustedNetworks)
        {
            if (n.Contains(a))
            {
                return true;
            }
        }

        return false;
    }

    public bool IsBanned(IPAddress address) =>
        _sources.TryGetValue(Normalise(address), out SourceState? s) && Volatile.Read(ref s.BannedUntil) > _time.GetTimestamp();

    /// <summary>The transport's question, for every message: banned sources and sources over their rate get nothing.</summary>
    public bool Admit(IPEndPoint source)
    {
        IPAddress a = Normalise(source.Address);
        if (IsTrusted(a))
        {
            return true;
        }

        SourceState? s = Track(a);
        if (s is null)
        {
            return true;
        }

        long now = _time.GetTimestamp();
        lock (s)
        {
            s.LastSeen = now;
            if (s.BannedUntil > now)
            {
                return false;
            }

            // Token bucket: RequestsPerSecondPerSource sustained, twice that as a burst.
            s.Tokens = Math.Min(_burst, s.Tokens + ((now - s.LastRefill) * _tokensPerTick));
            s.LastRefill = now;
            if (s.Tokens >= 1)
            {
                s.Tokens -= 1;
                return true;
            }

            BanLocked(s, a, now, $"more than {_options.RequestsPerSecondPerSource} requests/s", user: null);
            return false;
        }
    }

    /// <summary>Failed authentications counted since start (digest, PIN, admin login), trusted sources included.</summary>
    public long AuthFailures => Interlocked.Read(ref _authFailures);

    private long _authFailures;

    /// <summary>
    /// Credentials were presented and were wrong (or named no one). Counted per source and per user in a one-minute
    /// window; over the threshold the source is banned. A user under attack from many sources gets each of them banned on
    /// its first failure against that user. A request without credentials (the normal first 401/407) never comes here.
    /// </summary>
    public void OnAuthFailure(IPEndPoint source, string? user)
    {
        Interlocked.Increment(ref _authFailures);
        IPAddress a = Normalise(source.Address);
        if (IsTrusted(a))
        {
            return;
        }

        long now = _time.GetTimestamp();
        bool userUnderAttack = false;
        if (user is not null && (_users.Count < MaxTrackedUsers || _users.ContainsKey(user)))
        {
            FailureWindow w = _users.GetOrAdd(user, _ => new FailureWindow());
            lock (w)
            {
                userUnderAttack = w.Add(now, _windowTicks) >= _options.AuthFailuresPerMinute;
            }
        }

        SourceState? s = Track(a);
        if (s is null)
        {
            return;
        }

        lock (s)
        {
            s.LastSeen = now;
            int count = s.Failures.Add(now, _windowTicks);
            if (s.BannedUntil > now)
            {
                return;
            }

            if (count >= _options.AuthFailuresPerMinute)
            {
                BanLocked(s, a, now, $"{count} failed authentications in a minute", user);
            }
            else if (userUnderAttack)
            {
                BanLocked(s, a, now, $"failed authentication for {user}, whose failures are over the limit", user);
            }
        }
    }

    private SourceState? Track(IPAddress a)
    {
        if (_sources.TryGetValue(a, out SourceState? s))
        {
            return s;
        }

        // A counter, not _sources.Count (which takes every lock of the table): this runs for every new address.
        if (Volatile.Read(ref _tracked) >= _options.MaxTrackedSources)
        {
            Interlocked.Increment(ref _untracked);
            return null;
        }

        long now = _time.GetTimestamp();
        var fresh = new SourceState { Tokens = _burst, LastRefill = now, LastSeen = now };
        SourceState got = _sources.GetOrAdd(a, fresh);
        if (ReferenceEquals(got, fresh))
        {
            Interlocked.Increment(ref _tracked);
        }

        return got;
    }

    private void BanLocked(SourceState s, IPAddress a, long now, string reason, string? user)
    {
        TimeSpan length = TimeSpan.FromTicks(Math.Min(MaxBan.Ticks, _options.Ban.Ticks << Math.Min(s.Offences, 20)));
        s.Offences++;
        s.BannedUntil = now + (long)(length.TotalSeconds * _time.TimestampFrequency);
        _log.LogWarning("Security: banned {Source} for {Seconds} s (offence {Offence}): {Reason}{User}",
            a, (int)length.TotalSeconds, s.Offences, reason, user is null ? "" : $" (user {user})");
    }

    /// <summary>Forgets sources that are not banned and have been quiet for a window, and quiet users.</summary>
    private void Purge()
    {
        long now = _time.GetTimestamp();
        foreach (var (a, s) in _sources)
        {
            bool idle;
            lock (s)
            {
                // A source that has offended is remembered for a while after its ban so that the next ban doubles.
                long keepUntil = Math.Max(s.LastSeen + _windowTicks, s.BannedUntil + (s.Offences > 0 ? _windowTicks * 60 : 0));
                idle = keepUntil < now;
            }

            if (idle && _sources.TryRemove(new KeyValuePair<IPAddress, SourceState>(a, s)))
            {
                Interlocked.Decrement(ref _tracked);
            }
        }

        foreach (var (u, w) in _users)
        {
            bool idle;
            lock (w)
            {
                idle = w.Count(now, _windowTicks) == 0;
            }

            if (idle)
            {
                _users.TryRemove(new KeyValuePair<string, FailureWindow>(u, w));
            }
        }
    }

    private static IPAddress Normalise(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    public void Dispose()
    {
        _purge.Cancel();
        _ownQueue?.Dispose();
    }

    private sealed class SourceState
    {
        public double Tokens;
        public long LastRefill;
        public long LastSeen;
        public long BannedUntil;
        public int Offences;
        public readonly FailureWindow Failures = new();
    }

    /// <summary>Timestamps of recent failures, at most a small fixed number kept (the threshold needs no more).</summary>
    private sealed class FailureWindow
    {
        private readonly Queue<long> _times = new();

        public int Add(long now, long window)
        {
            Trim(now, window);
            _times.Enqueue(now);
            if (_times.Count > 1000)
            {
                _times.Dequeue();
            }

            return _times.Count;
        }

        public int Count(long now, long window)
        {
            Trim(now, window);
            return _times.Count;
        }

        private void Trim(long now, long window)
        {
            while (_times.Count > 0 && now - _times.Peek() > window)
            {
                _times.Dequeue();
            }
        }
    }
}
