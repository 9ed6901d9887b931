using System.Net;
using Anchor.Sip.Auth;
using Anchor.Sip.Transport;

namespace Anchor.Pbx.Trunks;

/// <summary>A trunk's settings, validated and with its proxy resolved (Trunks[] in the configuration).</summary>
public sealed record TrunkOptions
{
    public required string Name { get; init; }

    /// <summary>Where requests for the ITSP go (the ITSP's SIP proxy, resolved).</summary>
    public required SipEndPoint Proxy { get; init; }

    /// <summary>Every address the ITSP's proxy resolved to: requests from these are the ITSP's.</summary>
    public IReadOnlyList<IPAddress> ProxyAddresses { get; init; } = [];

    /// <summary>The hosts the ITSP's traffic comes from (its proxy and what it resolved to): exempt from the rate limits.</summary>
    public IEnumerable<IPAddress> Hosts => ProxyAddresses.Append(Proxy.EndPoint.Address);

    /// <summary>The ITSP's domain: Request-URIs are sip:NUMBER@Domain, the account is sip:Username@Domain.</summary>
    public required string Domain { get; init; }

    public required string Username { get; init; }

    public string? AuthUsername { get; init; }

    public required string Password { get; init; }

    public bool Register { get; init; } = true;

    public int RegisterExpires { get; init; } = 300;

    public IReadOnlyList<string> Dids { get; init; } = [];

    /// <summary>The extension calls to the DIDs ring.</summary>
    public string? Inbound { get; init; }

    /// <summary>Number shown to the called party on outbound calls (From display name and P-Asserted-Identity).</summary>
    public string? CallerId { get; init; }

    /// <summary>Concurrent calls allowed on the trunk; 0 = no limit.</summary>
    public int MaxCalls { get; init; }

    /// <summary>An INVITE to the ITSP that gets no response at all (not even 100) within this time fails with 503.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>OPTIONS to the proxy this often, so the office router's UDP mapping stays open between registrations; zero: none.</summary>
    public TimeSpan KeepAlive { get; init; }
}

/// <summary>Registration state of a trunk, kept for the logs and the admin API.</summary>
public enum TrunkRegistrationState
{
    Disabled,
    Registering,
    Registered,
    Failing,
}

/// <summary>A trunk at run time: its options, its credentials, its registration state and its call count.</summary>
public sealed class Trunk
{
    private int _activeCalls;

    public Trunk(TrunkOptions options)
    {
        _options = options;
        Credentials = new DigestClient(options.AuthUsername ?? options.Username, options.Password);
    }

    private TrunkOptions _options;

    /// <summary>The trunk's options; its routing ones (DIDs, inbound target, caller ID, call limit) can change live (<see cref="Retarget"/>).</summary>
    public TrunkOptions Options => Volatile.Read(ref _options);

    /// <summary>
    /// True when <paramref name="next"/> differs from the options in force only in what routing reads: the account, the
    /// proxy and the registration are the same, so the running registration and calls carry on.
    /// </summary>
    public bool CanRetarget(TrunkOptions next)
    {
        TrunkOptions o = Options;
        return o.Name == next.Name && o.Proxy.Equals(next.Proxy) && o.Domain == next.Domain && o.Username == next.Username
            && o.AuthUsername == next.AuthUsername && o.Password == next.Password && o.Register == next.Register
            && o.RegisterExpires == next.RegisterExpires && o.KeepAlive == next.KeepAlive;
    }

    /// <summary>Takes <paramref name="next"/>'s routing options (its DIDs, inbound target, caller ID, limit); the caller checked <see cref="CanRetarget"/>.</summary>
    public void Retarget(TrunkOptions next) => Volatile.Write(ref _options, next with { ProxyAddresses = Options.ProxyAddresses });

    public string Name => Options.Name;

    public DigestClient Credentials { get; }

    public TrunkRegistrationState State { get; internal set; } = TrunkRegistrationState.Disabled;

    /// <summary>Why the last registration attempt failed, or null.</summary>
    public string? LastError { get; internal set; }

    public DateTimeOffset? RegisteredUntil { get; internal set; }

    public int ActiveCalls => Volatile.Read(ref _activeCalls);

    /// <summary>
    /// True when a request came from this trunk's proxy: one of the addresses its name resolved to, and its SIP port
    /// (an ITSP's proxy sends from the port it listens on; a phone on the same host as the proxy is not the ITSP).
    /// </summary>
    public bool IsFrom(IPEndPoint source)
    {
        IPAddress s = source.Address.IsIPv4MappedToIPv6 ? source.Address.MapToIPv4() : source.Address;
        if (source.Port != Options.Proxy.EndPoint.Port)
        {
            return false;
        }

        return Options.Proxy.EndPoint.Address.Equals(s) || Options.ProxyAddresses.Contains(s);
    }

    public bool HasDid(string user) => Options.Dids.Contains(user, StringComparer.Ordinal);

    /// <summary>Takes a call slot; false when the trunk is at MaxCalls.</summary>
    public bool TryAcquireCall()
    {
        while (true)
        {
            int n = Volatile.Read(ref _activeCalls);
            if (Options.MaxCalls > 0 && n >= Options.MaxCalls)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _activeCalls, n + 1, n) == n)
            {
                return true;
            }
        }
    }

    public void ReleaseCall() => Interlocked.Decrement(ref _activeCalls);
}
