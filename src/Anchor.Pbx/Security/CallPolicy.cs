using System.Collections.Concurrent;
using Anchor.Pbx.Model;

namespace Anchor.Pbx.Security;

/// <summary>What a dialed number is, for outbound permissions (the class of the dial-plan rule it matched).</summary>
public enum DialClass
{
    Internal,
    Emergency,
    Local,
    National,
    International,
    Premium,
}

/// <summary>
/// Toll-fraud guard for every path that reaches a trunk: an extension may call a class of numbers only when its
/// permissions include it (by default: Internal, Emergency, Local, National; never International or Premium unless
/// granted), and may hold only so many outbound calls at once. Emergency numbers are always allowed.
/// </summary>
public sealed class CallPolicy
{
    public static readonly IReadOnlySet<DialClass> DefaultClasses = new HashSet<DialClass> { DialClass.Internal, DialClass.Emergency, DialClass.Local, DialClass.National };

    private readonly SnapshotSource _config;
    private readonly ConcurrentDictionary<string, int> _active = new(StringComparer.Ordinal);

    /// <summary>The counts of calls in progress outlive a reload; the classes and limits are the current snapshot's.</summary>
    public CallPolicy(SnapshotSource config) => _config = config;

    private IReadOnlyDictionary<string, Extension> Extensions => _config.Current.Extensions;

    public bool Allows(string extension, DialClass cls) =>
        cls == DialClass.Emergency || (Extensions.TryGetValue(extension, out Extension? e) && (e.AllowedClasses ?? DefaultClasses).Contains(cls));

    /// <summary>Takes an outbound call slot of <paramref name="extension"/>; false when it is at its limit.</summary>
    public bool TryAcquire(string extension)
    {
        int max = Extensions.TryGetValue(extension, out Extension? e) ? e.MaxOutboundCalls : 0;
        while (true)
        {
            int n = _active.GetOrAdd(extension, 0);
            if (max > 0 && n >= max)
            {
                return false;
            }

            if (_active.TryUpdate(extension, n + 1, n))
            {
                return true;
            }
        }
    }

    public void Release(string extension) => _active.AddOrUpdate(extension, 0, (_, n) => Math.Max(0, n - 1));

    public int ActiveOutbound(string extension) => _active.TryGetValue(extension, out int n) ? n : 0;
}
