using Anchor.Configuration;
using Microsoft.Extensions.Configuration;

namespace Anchor.Tests;

public class UnknownKeysTests
{
    private static List<string> Find(params (string Key, string Value)[] values) =>
        UnknownKeys.Find(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Fact]
    public void Known_keys_at_every_depth_pass()
    {
        Assert.Empty(Find(("Sip:Domain", "pbx.test"), ("Sip:Listen:0", "udp:127.0.0.1:5060"), ("Extensions:0:Number", "101"),
            ("Extensions:0:Voicemail:Pin", "2580"), ("Extensions:0:Forward:Busy", "102"), ("AutoAttendants:0:Day:Menu:1", "101"),
            ("AutoAttendants:0:Prompts:prompt1", "x.wav"), ("HuntGroups:0:Spa", "500:101"), ("Park:Slots", "701-720"),
            ("Logging:LogLevel:Default", "Information"), ("media:portrange", "20000-20099"),
            ("Media:ExternalAddress", "203.0.113.5"), ("Sip:LocalNetworks:0", "198.18.0.0/15")));  // case does not matter
    }

    [Fact]
    public void Mistyped_keys_are_named_with_the_nearest_real_one()
    {
        List<string> found = Find(("Media:ExternalAdress", "203.0.113.5"), ("Sip:LocalNetwork:0", "198.18.0.0/15"),
            ("Trunks:0:KeepAlive", "20"), ("Extensions:1:Pasword", "x"), ("Sipp:Domain", "x"), ("Extensions:0:Voicemail:Pn", "1"));
        Assert.Contains(found, f => f == "Media:ExternalAdress: unknown key, ignored (did you mean Media:ExternalAddress?)");
        Assert.Contains(found, f => f == "Extensions:1:Pasword: unknown key, ignored (did you mean Extensions:1:Password?)");
        Assert.Contains(found, f => f == "Sipp: unknown key, ignored (did you mean Sip?)");
        Assert.Contains(found, f => f == "Extensions:0:Voicemail:Pn: unknown key, ignored (did you mean Extensions:0:Voicemail:Pin?)");
        Assert.Contains(found, f => f.StartsWith("Sip:LocalNetwork: unknown key, ignored (did you mean Sip:LocalNetworks", StringComparison.Ordinal));
        Assert.Contains(found, f => f == "Trunks:0:KeepAlive: unknown key, ignored (did you mean Trunks:0:KeepAliveSeconds?)");
        Assert.Equal(6, found.Count);
    }
}
