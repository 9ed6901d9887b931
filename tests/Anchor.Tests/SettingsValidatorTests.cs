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
}
