using System.Text.Json;
using Anchor.Configuration;

namespace Anchor.Tests;

public class SettingsValidatorTests
{
    [Fact]
    public void The_shipped_example_is_valid()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "office.json");
        AnchorSettings s = JsonSerializer.Deserialize<AnchorSettings>(File.ReadAllText(path))!;
        Assert.Empty(SettingsValidator.Validate(s));
        Assert.Equal(3, s.Extensions.Count);
        Assert.Equal("itsp", s.Trunks[0].Name);
    }

    [Fact]
    public void Every_error_is_reported_at_once_naming_its_key()
    {
        var s = new AnchorSettings
        {
            Sip = new SipSettings { Domain = "bad domain", Listen = ["udp:127.0.0.1", "udp:127.0.0.1:5060", "udp:127.0.0.1:5060"], ExternalAddress = "nat.example" },
            Media = new MediaSettings { PortRange = "100-50", Anchor = "Sometimes" },
            Storage = new StorageSettings { Provider = "Oracle" },
            Extensions =
            [
                new() { Number = "101", Password = "long-enough-1" },
                new() { Number = "101", Password = "long-enough-2" },
                new() { Number = "1x", Password = "short" },
            ],
            Trunks = [new() { Name = "itsp", Proxy = "sip.itsp.example", Domain = "itsp.example", Username = "u", Password = "p", Inbound = "555" }],
            DialPlan = [new() { Pattern = "<9:>1xxx", Trunk = "nowhere" }],
        };

        IReadOnlyList<string> errors = SettingsValidator.Validate(s);
        string[] expectedKeys =
        [
            "Sip:Domain:", "Sip:Listen[0]:", "Sip:Listen[2]:", "Sip:ExternalAddress:", "Media:PortRange:", "Media:Anchor:",
            "Storage:Provider:", "Extensions[1].Number: \"101\" is used twice", "Extensions[2].Number:", "Extensions[2].Password:",
            "Trunks[0].Proxy:", "Trunks[0].Inbound:", "DialPlan[0].Trunk:",
        ];
        foreach (string key in expectedKeys)
        {
            Assert.Contains(errors, e => e.StartsWith(key, StringComparison.Ordinal));
        }

        Assert.Equal(expectedKeys.Length, errors.Count);
    }

    [Fact]
    public void Nat_settings_are_checked_naming_the_key()
    {
        var s = new AnchorSettings
        {
            Sip = new SipSettings { ExternalAddress = "stun:", LocalNetworks = ["192.168.1.0/24", "office", "10.0.0.0/40"] },
            Media = new MediaSettings { ExternalAddress = "public" },
        };

        IReadOnlyList<string> errors = SettingsValidator.Validate(s);
        Assert.Contains(errors, e => e.StartsWith("Sip:ExternalAddress: \"stun:\" must be stun:HOST", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Sip:LocalNetworks[1]:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Sip:LocalNetworks[2]:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Media:ExternalAddress:", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);
        Assert.Empty(SettingsValidator.Validate(new AnchorSettings
        {
            Sip = new SipSettings { ExternalAddress = "stun:stun.itsp.example:3478", LocalNetworks = ["198.18.0.0/24", "10.1.2.3"] },
            Media = new MediaSettings { ExternalAddress = "198.51.100.2", Anchor = "Auto" },
        }));
    }

    [Theory]
    [InlineData("stun:stun.example.net", "stun.example.net", 3478)]
    [InlineData("stun:203.0.113.10:5060", "203.0.113.10", 5060)]
    [InlineData("STUN:[2001:db8::1]:3479", "2001:db8::1", 3479)]
    [InlineData("stun:[2001:db8::1]", "2001:db8::1", 3478)]
    [InlineData("stun:host:0", "", 0)]
    [InlineData("stun:host:http", "", 0)]
    public void A_stun_external_address_names_its_server(string text, string host, int port) =>
        Assert.Equal((host, port), SipSettings.StunServer(text));

    [Fact]
    public void An_ip_external_address_is_no_stun_server() => Assert.Null(SipSettings.StunServer("198.51.100.1"));

    [Fact]
    public void Demo_setup_generates_passwords_once_and_keeps_them()
    {
        string dir = Directory.CreateTempSubdirectory("anchor-demo-").FullName;
        var first = new AnchorSettings { Storage = new StorageSettings { ConnectionString = $"Data Source={Path.Combine(dir, "a.db")}" } };
        string? announce = DemoSetup.Apply(first);
        Assert.NotNull(announce);
        Assert.Equal(["101", "102", "103"], first.Extensions.Select(e => e.Number));
        Assert.All(first.Extensions, e => Assert.True(e.Password!.Length >= 16));
        Assert.Equal(3, first.Extensions.Select(e => e.Password).Distinct().Count());
        Assert.Empty(SettingsValidator.Validate(first));

        var second = new AnchorSettings { Storage = first.Storage };
        Assert.Null(DemoSetup.Apply(second)); // printed once only
        Assert.Equal(first.Extensions.Select(e => e.Password), second.Extensions.Select(e => e.Password));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "demo-extensions.json")));
        }

        string otherDir = Directory.CreateTempSubdirectory("anchor-demo-").FullName;
        var other = new AnchorSettings { Storage = new StorageSettings { ConnectionString = $"Data Source={Path.Combine(otherDir, "a.db")}" } };
        DemoSetup.Apply(other);
        Assert.NotEqual(first.Extensions[0].Password, other.Extensions[0].Password); // nothing works across installs
    }

    [Fact]
    public void A_demo_password_file_that_does_not_parse_stops_start_up_naming_it_and_is_left_alone()
    {
        string dir = Directory.CreateTempSubdirectory("anchor-demo-").FullName;
        string file = Path.Combine(dir, "demo-extensions.json");
        File.WriteAllText(file, "{\"101\": \"half-writ");
        var settings = new AnchorSettings { Storage = new StorageSettings { ConnectionString = $"Data Source={Path.Combine(dir, "a.db")}" } };
        var e = Assert.Throws<InvalidOperationException>(() => DemoSetup.Apply(settings));
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Equal("{\"101\": \"half-writ", File.ReadAllText(file)); // not replaced by new passwords
        Assert.False(File.Exists(file + ".tmp"));
    }
}
