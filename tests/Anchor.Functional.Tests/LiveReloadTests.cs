using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anchor.Functional.Tests.Itsp;

namespace Anchor.Functional.Tests;

/// <summary>Configuration changed while calls run: the DID's target through the API, and the file read again on SIGHUP.</summary>
public class LiveReloadTests
{
    [Fact]
    public async Task The_dids_target_changed_during_a_call_rings_the_next_call_there_and_leaves_the_call_alone()
    {
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(FreePort.Next());
        (int min, int max, string regex) = TrunkTests.MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => TrunkTests.Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max));
        await pbx.AssertLogAsync("Trunk itsp registered");
        using AdminClient admin = await pbx.AdminAsync();

        // 101 and 102 wait for a call each; the first outside call to the DID rings 101 (the file's Inbound).
        int port101 = FreePort.Next();
        int port102 = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("101", port101)).ExitCode);
        Assert.Equal(0, (await pbx.RegisterAsync("102", port102)).ExitCode);
        Task<Sipp.Result> phone101 = Sipp.RunAsync(Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "101"), ("MEDIA_PORTS", regex), ("HOLD_STEPS", "")),
            5060, "u1", 1, 10, 40, "127.0.0.1", port101, ["-rtp_echo", "-mp", TrunkTests.SippMediaPort(max, 0), "-mi", "127.0.0.1"]);
        Task<Sipp.Result> phone102 = Sipp.RunAsync(Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "102"), ("MEDIA_PORTS", regex), ("HOLD_STEPS", "")),
            5060, "u1", 1, 10, 40, "127.0.0.1", port102, ["-rtp_echo", "-mp", TrunkTests.SippMediaPort(max, 1), "-mi", "127.0.0.1"]);
        await Task.Delay(300);
        string outside = Sipp.Specialise("outside-call.xml", ("MEDIA_PORTS", regex));
        Task<Sipp.Result> first = Sipp.RunAsync(outside, itsp.Port, "u1", 1, 10, 40, "127.0.0.1", FreePort.Next(),
            ["-s", ItspKamailio.Did, "-mp", TrunkTests.SippMediaPort(max, 2), "-mi", "127.0.0.1"]);
        JsonElement calls = await admin.WaitAsync("/api/calls", j => j.EnumerateArray().Any(c => c.GetProperty("state").GetString() == "Answered"));
        Assert.Single(calls.EnumerateArray());

        // While it is up: a bad change is refused whole; then the DID goes to 102.
        HttpResponseMessage bad = await admin.Http.PutAsJsonAsync("/api/trunks/itsp", new { inbound = "999" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("inbound", out _), await bad.Content.ReadAsStringAsync());
        HttpResponseMessage changed = await admin.Http.PutAsJsonAsync("/api/trunks/itsp", new { inbound = "102" });
        Assert.True(changed.StatusCode == HttpStatusCode.OK, await changed.Content.ReadAsStringAsync());
        Assert.Contains("Trunks:itsp", (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("applied").EnumerateArray().Select(a => a.GetString()));

        HttpResponseMessage plan = await admin.Http.PutAsJsonAsync("/api/dialplan", new[] { new { pattern = "<9:>1xxxxxxxxxx", trunk = "itsp", @class = "National" } });
        Assert.True(plan.StatusCode == HttpStatusCode.OK, await plan.Content.ReadAsStringAsync());
        Assert.Contains("DialPlan", (await plan.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("applied").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("<9:>1xxxxxxxxxx", Assert.Single((await admin.GetAsync("/api/dialplan")).Json.EnumerateArray()).GetProperty("pattern").GetString());

        Sipp.Result second = await Sipp.RunAsync(outside, itsp.Port, "u1", 1, 10, 40, "127.0.0.1", FreePort.Next(),
            ["-s", ItspKamailio.Did, "-mp", TrunkTests.SippMediaPort(max, 3), "-mi", "127.0.0.1"]);
        Assert.True(second.ExitCode == 0, "second outside call: " + second.Output + pbx.Output);
        Assert.True((await phone102).ExitCode == 0, "102 was not rung by the second call: " + pbx.Output);
        Assert.True((await first).ExitCode == 0, "the first call was disturbed: " + pbx.Output);
        Assert.Equal(0, (await phone101).ExitCode);

        JsonElement[] records = [.. (await admin.GetAsync("/api/cdrs?direction=inbound")).Json.GetProperty("records").EnumerateArray()];
        Assert.Equal(["101", "102"], records.Select(r => r.GetProperty("answeredBy").GetString()).Order(StringComparer.Ordinal));

        // Both legs' audio started with the call (SIPp plays at once, the phones echo): measured, and nothing to diagnose.
        foreach (JsonElement r in records)
        {
            JsonElement[] legs = [.. r.GetProperty("media").EnumerateArray()];
            Assert.Equal(2, legs.Length);
            Assert.All(legs, l => Assert.InRange(l.GetProperty("firstAudioSeconds").GetDouble(), -1, 2));
            // Each leg's timeline (packets per 5 s) adds up to its packets: 236 over 7 s is two full steps of 250/5 s at most.
            Assert.All(legs, l => Assert.Equal(l.GetProperty("packets").GetInt64(), l.GetProperty("timeline").EnumerateArray().Sum(x => x.GetInt64())));
            Assert.All(legs, l => Assert.InRange(l.GetProperty("timeline").GetArrayLength(), 2, 3));
            JsonElement detail = (await admin.GetAsync($"/api/cdrs/{Uri.EscapeDataString(r.GetProperty("id").GetString()!)}")).Json;
            Assert.Equal(0, detail.GetProperty("diagnosis").GetArrayLength());
        }
    }

    [Fact]
    public async Task An_edit_of_the_file_applies_what_it_can_a_bad_one_changes_nothing_and_sighup_reads_it_again()
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        await pbx.EditConfigAsync(c =>
        {
            ((JsonArray)c["Extensions"]!).Add(new JsonObject { ["Number"] = "106", ["Password"] = "frank-secret-106", ["Name"] = "Frank" });
            ((JsonObject)c["Sip"]!)["KeepAliveSeconds"] = 40;
        });
        await pbx.AssertLogAsync("Configuration reloaded (the file changed): applied [Extensions]; needs a restart [Sip]");
        await pbx.AssertLogAsync("  106  voicemail PIN "); // its mailbox has a PIN at once, printed once
        Assert.Equal(0, (await pbx.RegisterAsync("106", FreePort.Next(), password: "frank-secret-106")).ExitCode);

        // A bad edit: every error logged, nothing changed (106 keeps its password, 107 does not appear).
        await pbx.EditConfigAsync(c =>
        {
            var exts = (JsonArray)c["Extensions"]!;
            ((JsonObject)exts[^1]!)["Password"] = "weak";
            exts.Add(new JsonObject { ["Number"] = "107", ["Password"] = "grace-secret-107" });
        });
        await pbx.AssertLogAsync("Configuration reload (the file changed) refused, nothing changed: configuration: Extensions[3].Password: too weak");
        Assert.Equal(0, (await pbx.RegisterAsync("106", FreePort.Next(), password: "frank-secret-106")).ExitCode);
        Sipp.Result grace = await Sipp.RunAsync("register-refused.xml", pbx.Port, "u1", 1, 10, 20, "127.0.0.1", FreePort.Next(),
            ["-s", "107", "-au", "107", "-ap", "grace-secret-107"]);
        Assert.True(grace.ExitCode == 0, "107 of the refused file registers: " + grace.Output);

        // A file that is not JSON at all: refused, and Anchor goes on.
        await File.WriteAllTextAsync(pbx.ConfigFile, "{ not json");
        await pbx.AssertLogAsync("Configuration reload (the file changed) refused, nothing changed: configuration:");
        Assert.Equal(0, (await pbx.RegisterAsync("106", FreePort.Next(), password: "frank-secret-106")).ExitCode);

        // SIGHUP reads it again too (the file still broken: refused again, naming the signal).
        await pbx.SignalAsync("HUP");
        await pbx.AssertLogAsync("Configuration reload (SIGHUP) refused, nothing changed");
    }

    [Fact]
    public async Task A_trunk_added_to_the_file_registers_one_changed_registers_again_and_one_removed_unregisters()
    {
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(FreePort.Next());
        (int min, int max, _) = TrunkTests.MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}" });
        Assert.False(await itsp.TrunkRegisteredAsync());

        // Added: registers at once, no restart.
        var office = new Dictionary<string, object?>();
        TrunkTests.Office(office, $"udp:127.0.0.1:{itsp.Port}", min, max, registerExpires: 60);
        await pbx.EditConfigAsync(c =>
        {
            c["Trunks"] = System.Text.Json.JsonSerializer.SerializeToNode(office["Trunks"]);
            c["DialPlan"] = System.Text.Json.JsonSerializer.SerializeToNode(office["DialPlan"]);
        });
        await pbx.AssertLogAsync("Configuration reloaded (the file changed): applied [Trunks:itsp (added), DialPlan]");
        await pbx.AssertLogAsync("Trunk itsp registered to udp:127.0.0.1:" + itsp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(await itsp.TrunkRegisteredAsync(), itsp.Output);

        // Its registration changed: the old one is removed at the ITSP, the new one made.
        await pbx.EditConfigAsync(c => ((JsonObject)((JsonArray)c["Trunks"]!)[0]!)["RegisterExpires"] = 90);
        await pbx.AssertLogAsync("applied [Trunks:itsp (registered again)]");
        await Eventually.TrueAsync(() => itsp.Output.Contains("ITSP-SAVED anchor1 expires=90", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Contains("ITSP-SAVED anchor1 expires=0", itsp.Output, StringComparison.Ordinal);
        Assert.Contains("ITSP-SAVED anchor1 expires=90", itsp.Output, StringComparison.Ordinal);
        Assert.True(await itsp.TrunkRegisteredAsync(), itsp.Output);

        // Removed (with the dial plan that used it): unregistered at the ITSP, and calls out are refused.
        await pbx.EditConfigAsync(c =>
        {
            c.Remove("Trunks");
            c.Remove("DialPlan");
        });
        await pbx.AssertLogAsync("applied [Trunks:itsp (removed), DialPlan]");
        await Eventually.TrueAsync(() => itsp.Count("ITSP-SAVED anchor1 expires=0") >= 2, TimeSpan.FromSeconds(10));
        Assert.False(await itsp.TrunkRegisteredAsync(), itsp.Output);
        Sipp.Result call = await pbx.CallAsync(Sipp.Specialise("call-refused.xml", ("STATUS", "404")), "914085551212");
        Assert.True(call.ExitCode == 0, call.Output + pbx.Output);
    }
}
