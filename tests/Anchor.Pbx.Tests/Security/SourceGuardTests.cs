using System.Net;
using Anchor.Pbx.Model;
using Anchor.Pbx.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Anchor.Pbx.Tests.Security;

public class SourceGuardTests
{
    private static readonly IPEndPoint Attacker = new(IPAddress.Parse("198.51.100.7"), 5060);
    private static readonly IPEndPoint Phone = new(IPAddress.Parse("192.168.1.20"), 5060);

    private static (SourceGuard, FakeTimeProvider) Guard(SecurityOptions? o = null)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        return (new SourceGuard(o ?? new SecurityOptions(), clock, NullLogger.Instance), clock);
    }

    [Fact]
    public void A_flooding_source_is_banned_past_its_burst_and_the_ban_doubles()
    {
        (SourceGuard g, FakeTimeProvider clock) = Guard(new SecurityOptions { RequestsPerSecondPerSource = 100, Ban = TimeSpan.FromSeconds(60) });
        for (int i = 0; i < 200; i++)
        {
            Assert.True(g.Admit(Attacker)); // the burst: twice the rate
        }

        Assert.False(g.Admit(Attacker));
        Assert.True(g.IsBanned(Attacker.Address));
        Assert.True(g.Admit(Phone)); // others are untouched

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(g.Admit(Attacker));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(g.Admit(Attacker)); // ban over; the bucket refilled meanwhile

        for (int i = 0; i < 200; i++)
        {
            g.Admit(Attacker);
        }

        Assert.True(g.IsBanned(Attacker.Address));
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.True(g.IsBanned(Attacker.Address)); // second offence: 120 s
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(g.IsBanned(Attacker.Address));
    }

    [Fact]
    public void A_steady_source_under_its_rate_is_never_banned()
    {
        (SourceGuard g, FakeTimeProvider clock) = Guard(new SecurityOptions { RequestsPerSecondPerSource = 100 });
        for (int i = 0; i < 10_000; i++)
        {
            Assert.True(g.Admit(Phone));
            clock.Advance(TimeSpan.FromMilliseconds(11)); // ~90/s
        }
    }

    [Fact]
    public void Auth_failures_ban_at_the_threshold_within_a_minute_only()
    {
        (SourceGuard g, FakeTimeProvider clock) = Guard(new SecurityOptions { AuthFailuresPerMinute = 10 });
        for (int i = 0; i < 9; i++)
        {
            g.OnAuthFailure(Attacker, "10" + i);
        }

        Assert.False(g.IsBanned(Attacker.Address));
        g.OnAuthFailure(Attacker, "110");
        Assert.True(g.IsBanned(Attacker.Address));

        // Slow failures (a phone with a stale password retrying every 10 s) never reach 10 in a minute.
        for (int i = 0; i < 50; i++)
        {
            g.OnAuthFailure(Phone, "101");
            clock.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.False(g.IsBanned(Phone.Address));
    }

    [Fact]
    public void A_user_attacked_from_many_sources_gets_each_further_source_banned()
    {
        (SourceGuard g, _) = Guard(new SecurityOptions { AuthFailuresPerMinute = 10 });
        for (int i = 0; i < 10; i++)
        {
            g.OnAuthFailure(new IPEndPoint(IPAddress.Parse($"203.0.113.{i + 1}"), 5060), "101");
        }

        var next = new IPEndPoint(IPAddress.Parse("203.0.113.200"), 5060);
        g.OnAuthFailure(next, "101");
        Assert.True(g.IsBanned(next.Address));
        Assert.False(g.IsBanned(Phone.Address)); // the real phone, which authenticates, is not affected
    }

    [Fact]
    public void Trusted_networks_and_trusted_hosts_are_never_banned()
    {
        (SourceGuard g, _) = Guard(new SecurityOptions
        {
            TrustedNetworks = [IPNetwork.Parse("192.168.1.0/24")],
            TrustedHosts = [IPAddress.Parse("198.51.100.99")],
            RequestsPerSecondPerSource = 10,
        });
        var itsp = new IPEndPoint(IPAddress.Parse("198.51.100.99"), 5060);
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(g.Admit(Phone));
            Assert.True(g.Admit(itsp));
            g.OnAuthFailure(Phone, "101");
        }

        Assert.False(g.IsBanned(Phone.Address));
        Assert.Equal(0, g.TrackedSources);
    }

    [Fact]
    public void The_tables_are_capped_and_idle_sources_are_forgotten()
    {
        (SourceGuard g, FakeTimeProvider clock) = Guard(new SecurityOptions { MaxTrackedSources = 100 });
        for (int i = 0; i < 300; i++)
        {
            Assert.True(g.Admit(new IPEndPoint(new IPAddress([10, 0, (byte)(i >> 8), (byte)i]), 5060)));
        }

        Assert.Equal(100, g.TrackedSources);
        Assert.Equal(200, g.Untracked);
        clock.Advance(TimeSpan.FromMinutes(2)); // the purge timer runs every 30 s; quiet sources go after a minute
        Assert.Equal(0, g.TrackedSources);
    }

    [Fact]
    public void Ipv4_mapped_addresses_are_the_same_source()
    {
        (SourceGuard g, _) = Guard(new SecurityOptions { AuthFailuresPerMinute = 2 });
        g.OnAuthFailure(Attacker, "x");
        g.OnAuthFailure(new IPEndPoint(Attacker.Address.MapToIPv6(), 5062), "y");
        Assert.True(g.IsBanned(Attacker.Address));
    }
}

public class CallPolicyTests
{
    private static CallPolicy Policy(params Extension[] extensions) =>
        new(new SnapshotSource(new PbxSnapshot(extensions, new Anchor.Pbx.Routing.DialPlan([]), [], new Anchor.Pbx.Routing.FeatureCodes())));

    [Fact]
    public void Defaults_deny_international_and_premium_and_emergency_is_always_allowed()
    {
        CallPolicy p = Policy(
            new Extension("101", "pw-101-xxxx", null),
            new Extension("102", "pw-102-xxxx", null) { AllowedClasses = new HashSet<DialClass> { DialClass.International } });
        Assert.True(p.Allows("101", DialClass.National));
        Assert.True(p.Allows("101", DialClass.Local));
        Assert.False(p.Allows("101", DialClass.International));
        Assert.False(p.Allows("101", DialClass.Premium));
        Assert.True(p.Allows("102", DialClass.International));
        Assert.False(p.Allows("102", DialClass.National)); // an explicit list is the whole list
        Assert.True(p.Allows("102", DialClass.Emergency));
        Assert.False(p.Allows("999", DialClass.National)); // not an extension
    }

    [Fact]
    public void Outbound_calls_per_extension_are_limited()
    {
        CallPolicy p = Policy(new Extension("101", "pw-101-xxxx", null) { MaxOutboundCalls = 2 });
        Assert.True(p.TryAcquire("101"));
        Assert.True(p.TryAcquire("101"));
        Assert.False(p.TryAcquire("101"));
        p.Release("101");
        Assert.True(p.TryAcquire("101"));
    }
}
