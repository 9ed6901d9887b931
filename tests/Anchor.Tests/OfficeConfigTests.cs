using Anchor.Configuration;
using Anchor.Pbx.Routing;

namespace Anchor.Tests;

/// <summary>Numbers, mailboxes, auto attendants and targets: every mistake stops start-up naming its key (and both keys of a clash).</summary>
public class OfficeConfigTests
{
    private static AnchorSettings Office() => new()
    {
        Extensions =
        [
            new() { Number = "101", Password = "long-enough-1" },
            new() { Number = "102", Password = "long-enough-2", Voicemail = new MailboxSettings { Pin = "2580" } },
            new() { Number = "103", Password = "long-enough-3", Voicemail = new MailboxSettings { Enabled = false } },
        ],
        Voicemail = new VoicemailSettingsSection { Operator = "101" },
        AutoAttendants =
        [
            new()
            {
                Number = "400",
                TimeZone = "America/Los_Angeles",
                Open = ["Mon-Fri 08:30-18:00"],
                Holidays = ["12-25"],
                Day = new AttendantModeSettings { Menu = new() { ["2"] = "102", ["9"] = "vm101", ["0"] = "101" }, NoInput = "101" },
                Night = new AttendantModeSettings { Menu = new() { ["1"] = "vm101" } },
                Operators = ["101"],
            },
        ],
    };

    [Fact]
    public void A_good_office_compiles()
    {
        AnchorSettings s = Office();
        Assert.Empty(SettingsValidator.Validate(s));
        Office office = OfficeConfig.Compile(s);
        var (attendants, voicemail) = (office.Attendants, office.Voicemail);
        var aa = Assert.Single(attendants);
        Assert.Equal("400", aa.Number);
        Assert.NotSame(aa.Day, aa.Night);
        Assert.Equal(new Target(TargetKind.Extension, "101"), voicemail.Operator);
    }

    [Fact]
    public void Every_mistake_is_named()
    {
        AnchorSettings s = Office();
        s.Extensions[0].Voicemail = new MailboxSettings { Pin = "1234", NoAnswerSeconds = 1 };
        s.FeatureCodes = s.FeatureCodes with { NightMode = "400" }; // the AA's number
        s.AutoAttendants.Add(new AutoAttendantSettings { Number = "102", Day = new AttendantModeSettings() }); // an extension's number
        s.AutoAttendants[0].Day!.Menu["5"] = "vm103"; // 103 has no mailbox
        s.AutoAttendants[0].Day!.Menu["x"] = "101";
        s.AutoAttendants[0].Night!.NoInput = "555";
        s.AutoAttendants[0].Open = ["Mon-Fri 8:30 to 18:00"];
        s.AutoAttendants[0].Operators = ["999"];
        s.Trunks = [new() { Name = "itsp", Proxy = "udp:127.0.0.1", Domain = "itsp.test", Username = "u", Password = "p", Inbound = "*43" }];
        s.Voicemail.TimeZone = "Atlantis/Capital";

        IReadOnlyList<string> errors = SettingsValidator.Validate(s);
        string[] expected =
        [
            "Extensions[0].Voicemail.Pin: too weak",
            "Extensions[0].Voicemail.NoAnswerSeconds:",
            "AutoAttendants[0].Number: \"400\" is also FeatureCodes:NightMode",
            "AutoAttendants[1].Number: \"102\" is also Extensions[1].Number",
            "AutoAttendants[0].Day.Menu.5: \"vm103\" names no mailbox",
            "AutoAttendants[0].Day.Menu: \"x\" is not a key",
            "AutoAttendants[0].Night.NoInput: \"555\" is not an extension",
            "AutoAttendants[0].Open[0]:",
            "AutoAttendants[0].Operators: \"999\" is not an extension",
            "Trunks[0].Inbound: \"*43\" is a feature code",
            "Voicemail:TimeZone:",
        ];
        foreach (string e in expected)
        {
            Assert.Contains(errors, x => x.StartsWith(e, StringComparison.Ordinal));
        }

        Assert.Equal(expected.Length, errors.Count);
    }

    [Fact]
    public void An_spa_script_is_checked_where_it_is_wrong()
    {
        AnchorSettings s = Office();
        s.AutoAttendants[0].Day = null;
        s.AutoAttendants[0].Night = null;
        s.AutoAttendants[0].Script = "<aa>\n<form id=\"m\" type=\"menu\"><audio src=\"prompt1\"/><dialplan src=\"dp1\"/>\n<match><default><xfer target=\"777\"/></default></match></form></aa>";
        s.AutoAttendants[0].DialPlans = ["(1xx"];
        IReadOnlyList<string> errors = SettingsValidator.Validate(s);
        Assert.Contains(errors, e => e.StartsWith("AutoAttendants[0].DialPlans[0]:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("AutoAttendants[0].Script: xfer target: \"777\"", StringComparison.Ordinal));

        s.AutoAttendants[0].DialPlans = [];
        s.AutoAttendants[0].Script = "<aa><form id=\"m\" type=\"node\"><audio src=\"prompt9\"/></form></aa>";
        Assert.Contains(SettingsValidator.Validate(s), e => e.StartsWith("AutoAttendants[0].Script: line 1, column", StringComparison.Ordinal) && e.Contains("no such prompt", StringComparison.Ordinal));
    }

    [Fact]
    public void A_greeting_that_is_not_a_wav_stops_startup()
    {
        string bad = Path.Combine(Directory.CreateTempSubdirectory("anchor-aa-").FullName, "greeting.wav");
        File.WriteAllText(bad, "not audio");
        AnchorSettings s = Office();
        s.AutoAttendants[0].Day!.Greeting = bad;
        s.AutoAttendants[0].Night!.Greeting = bad + ".missing";
        IReadOnlyList<string> errors = SettingsValidator.Validate(s);
        Assert.Contains(errors, e => e.StartsWith("AutoAttendants[0].Day.Greeting:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("AutoAttendants[0].Night.Greeting:", StringComparison.Ordinal));
    }

    [Fact]
    public void Pins_are_generated_once_for_mailboxes_without_one()
    {
        string dir = Directory.CreateTempSubdirectory("anchor-pins-").FullName;
        AnchorSettings s = Office();
        (Dictionary<string, string> pins, string? announce) = VoicemailPins.Ensure(s, dir);
        Assert.Equal(["101"], pins.Keys); // 102 has a configured PIN, 103 no mailbox
        Assert.Null(Anchor.Pbx.Voicemail.Mailboxes.WeakPin(pins["101"], "101"));
        Assert.Contains(pins["101"], announce, StringComparison.Ordinal);
        (Dictionary<string, string> again, string? silent) = VoicemailPins.Ensure(s, dir);
        Assert.Equal(pins["101"], again["101"]);
        Assert.Null(silent); // printed once
    }
}
