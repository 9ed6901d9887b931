using Anchor.Configuration;
using Anchor.Pbx.Hunting;

namespace Anchor.Tests;

/// <summary>Hunt groups, Contact Lists, forwards and feature codes: what an admin writes, and every mistake named by its key.</summary>
public class WhoRingsConfigTests
{
    private static AnchorSettings Office() => new()
    {
        Extensions =
        [
            new() { Number = "101", Password = "long-enough-1" },
            new() { Number = "102", Password = "long-enough-2" },
            new() { Number = "103", Password = "long-enough-3", Allow = ["Internal", "National", "International"] },
        ],
        Trunks = [new() { Name = "itsp", Proxy = "udp:127.0.0.1:5070", Domain = "itsp.test", Username = "u", Password = "trunk-pw-1", Dids = ["15551230000"] }],
        DialPlan = [new() { Pattern = "<9:>011x.", Trunk = "itsp", Class = "International" }, new() { Pattern = "<9:>1xxxxxxxxxx", Trunk = "itsp" }],
        HuntGroups =
        [
            new() { Number = "500", Name = "Sales", Members = ["101", "102"], Strategy = "Next", RingSeconds = 15, MaxSeconds = 60, Fallback = "vm101" },
            new() { Spa = "501:name=\"Support\",102,103,500,hunt=ra;10;2,cfwd=103" },
        ],
    };

    [Fact]
    public void Groups_in_both_syntaxes_compile()
    {
        AnchorSettings s = Office();
        Assert.Empty(SettingsValidator.Validate(s));
        List<HuntGroup> groups = OfficeConfig.Compile(s).HuntGroups;
        Assert.Equal(2, groups.Count);
        Assert.Equal(HuntStrategy.Next, groups[0].Strategy);
        Assert.Equal(new HuntLimit(TimeSpan.FromSeconds(60), 0), groups[0].Limit);
        Assert.Equal("Support", groups[1].Name);
        Assert.Equal(new HuntLimit(TimeSpan.Zero, 2), groups[1].Limit);
        Assert.Equal(["102", "103", "500"], groups[1].Members);
    }

    [Fact]
    public void A_contact_list_on_a_trunk_expands_its_wildcards()
    {
        AnchorSettings s = Office();
        s.Trunks[0].Inbound = "15551230000:name=Front,10?,hunt=re;5;1,cfwd=vm101|*:500";
        Assert.Empty(SettingsValidator.Validate(s));
        IReadOnlyList<ContactRule> rules = OfficeConfig.Compile(s).ContactLists["itsp"];
        Assert.Equal(["101", "102", "103"], rules[0].Group.Members);
        Assert.Equal("500", Assert.Single(rules[1].Group.Members));
        Assert.True(rules[1].Matches("15559999999"));
    }

    [Fact]
    public void Forwards_to_targets_and_allowed_outside_numbers_are_fine()
    {
        AnchorSettings s = Office();
        s.Extensions[0].Forward = new ForwardSettings { Always = "500", Busy = "vm101", NoAnswer = "914085551212" };
        s.Extensions[2].Forward = new ForwardSettings { Always = "9011441234567" }; // 103 may call abroad
        s.Extensions[1].PickupGroup = "front";
        Assert.Empty(SettingsValidator.Validate(s));
    }

    [Fact]
    public void Every_mistake_is_named()
    {
        AnchorSettings s = Office();
        s.HuntGroups.Add(new() { Number = "502", Members = ["101"], Strategy = "Sideways", RingSeconds = 0 });
        s.HuntGroups.Add(new() { Number = "505", Members = ["999", "505"], Fallback = "vm103x" });
        s.HuntGroups.Add(new() { Spa = "503:101,hunt=ne;x" });
        s.HuntGroups.Add(new() { Spa = "504:501" }); // 501 has a group among its members: one level only
        s.HuntGroups.Add(new() { Number = "101", Members = ["102"] });
        s.Trunks[0].Inbound = "15551230000:777,hunt=al";
        s.Extensions[0].Forward = new ForwardSettings { Always = "9011441234567", Busy = "101", NoAnswer = "555", NoAnswerSeconds = 1 };
        s.Extensions[1].PickupGroup = "";
        s.FeatureCodes = s.FeatureCodes with { DndOn = "*72", EchoTest = "*721" }; // DndOn: the forward-all prefix
        IReadOnlyList<string> errors = SettingsValidator.Validate(s);
        string all = string.Join("\n", errors);
        foreach (string expected in new[]
        {
            "HuntGroups[2].Strategy: \"Sideways\" is not one of RingAll, Restart, Next, Random, Memory",
            "HuntGroups[2].RingSeconds: 0 must be between 1 and 600",
            "HuntGroups[4].Spa: position 9: hunt=ne;x: interval \"x\" must be 1 to 600 seconds or *",
            "HuntGroups[3].Members: \"999\" is not an extension or a hunt group",
            "HuntGroups[3].Members: \"505\" is the group itself",
            "HuntGroups[3].Fallback: \"vm103x\" names no mailbox",
            "HuntGroups[5].Members: group \"501\" has groups among its members: nesting goes one level deep",
            "HuntGroups[6].Number: \"101\" is also Extensions[0].Number",
            "Trunks[0].Inbound: station \"777\" is not an extension or a hunt group",
            "Extensions[0].Forward.Always: \"9011441234567\" is in the International class, which Extensions[0] may not call",
            "Extensions[0].Forward.Busy: \"101\" is the extension itself",
            "Extensions[0].Forward.NoAnswer: \"555\" is not an extension",
            "Extensions[0].Forward.NoAnswerSeconds: 1 must be between 5 and 300",
            "Extensions[1].PickupGroup: empty",
            "FeatureCodes:EchoTest: \"*721\" starts with FeatureCodes:ForwardAllOn \"*72\", which takes digits after it",
        })
        {
            Assert.Contains(expected, all);
        }
    }

    [Fact]
    public void Park_numbers_are_owned_and_checked()
    {
        AnchorSettings s = Office();
        Assert.Equal(20, OfficeConfig.Compile(s).Park!.Slots.Count);
        s.Extensions.Add(new() { Number = "705", Password = "long-enough-5" });
        s.Park = new ParkSettings { Slots = "701-7x0", TimeoutSeconds = 1, ReturnSeconds = 1000, Fallback = "vm999" };
        string all = string.Join("\n", SettingsValidator.Validate(s));
        Assert.Contains("Park:Slots: \"701-7x0\" must be LOW-HIGH", all);
        Assert.Contains("Park:TimeoutSeconds: 1 must be between 10 and 3600", all);
        Assert.Contains("Park:ReturnSeconds: 1000 must be between 5 and 300", all);

        s.Park = new ParkSettings { Fallback = "vm999" };
        all = string.Join("\n", SettingsValidator.Validate(s));
        Assert.Contains("Park:Slots: \"705\" is also Extensions[3].Number", all);
        Assert.Contains("Park:Fallback: \"vm999\" names no mailbox", all);
        Assert.Null(OfficeConfig.Compile(new AnchorSettings { Park = new ParkSettings { Enabled = false } }).Park);
    }
}
