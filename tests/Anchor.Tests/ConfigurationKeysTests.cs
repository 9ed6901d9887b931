using System.Text.Json;
using Anchor.Configuration;
using Microsoft.Extensions.Configuration;

namespace Anchor.Tests;

/// <summary>Anchor's linear binder gives what the framework's binder gives (on a configuration small enough for it).</summary>
public class ConfigurationKeysTests
{
    private static IConfigurationRoot Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Lists_nested_lists_and_sections_bind_as_the_framework_binds_them()
    {
        IConfigurationRoot c = Config(("Sip:Domain", "office.test"), ("Sip:Listen:0", "udp:127.0.0.1:5070"), ("Sip:Listen:1", "tcp:127.0.0.1:5070"),
            ("Extensions:0:Number", "101"), ("Extensions:0:Password", "a-long-secret"), ("Extensions:0:Forward:Busy", "102"),
            ("Extensions:10:Number", "110"), ("Extensions:2:Number", "102"), ("Extensions:2:MaxCalls", "3"),
            ("HuntGroups:0:Number", "500"), ("HuntGroups:0:Members:0", "101"), ("HuntGroups:0:Members:1", "102"),
            ("Trunks:0:Name", "itsp"), ("Trunks:0:Dids:0", "15551230000"), ("Park:Slots", "801-810"));
        var framework = new AnchorSettings();
        c.Bind(framework);
        var ours = new AnchorSettings();
        ConfigurationKeys.Bind(c, ours);
        Assert.Equal(JsonSerializer.Serialize(framework), JsonSerializer.Serialize(ours));
        Assert.Equal(["101", "102", "110"], ours.Extensions.Select(e => e.Number)); // by index, as the framework orders them
    }

    [Fact]
    public void A_bad_value_in_a_list_element_is_named_by_its_full_key()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ConfigurationKeys.Bind(Config(("Extensions:0:Number", "101"), ("Extensions:3:MaxCalls", "many")), new AnchorSettings()));
        Assert.Contains("Extensions:3:MaxCalls", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Five_thousand_extensions_bind_and_a_typo_among_them_is_found()
    {
        var values = Enumerable.Range(0, 5000).SelectMany(i => new[]
        {
            ($"Extensions:{i}:Number", (200000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ($"Extensions:{i}:Password", $"secret-{i}"),
        }).Append(("Extensions:4321:Pasword", "x")).ToArray();
        IConfigurationRoot c = Config(values);
        var s = new AnchorSettings();
        ConfigurationKeys.Bind(c, s);
        Assert.Equal(5000, s.Extensions.Count);
        Assert.Equal("204999", s.Extensions[^1].Number);
        Assert.Equal(["Extensions:4321:Pasword: unknown key, ignored (did you mean Extensions:4321:Password?)"], UnknownKeys.Find(c));
    }
}
