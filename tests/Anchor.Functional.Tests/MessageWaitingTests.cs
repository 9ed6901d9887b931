namespace Anchor.Functional.Tests;

/// <summary>
/// Message waiting (RFC 3842 over RFC 6665) with SIPp as the subscriber: subscribe, immediate NOTIFY, refresh,
/// Expires: 0 with a final NOTIFY; 403 for somebody else's mailbox, 489 for a package Anchor does not serve; and
/// baresip's mwi module lighting its lamp when a message arrives.
/// </summary>
public class MessageWaitingTests
{
    [Fact]
    public async Task Own_mailbox_subscription_is_notified_refreshed_and_terminated()
    {
        await using PbxHost pbx = await VoicemailTests.StartAsync();
        Sipp.Result r = await Sipp.RunAsync(Sipp.Specialise("subscribe-mwi.xml", ("COUNTS", "0/0")), pbx.Port, "u1", 1, 10, 20, "127.0.0.1", FreePort.Next(),
            ["-s", "102", "-au", "102", "-ap", PbxHost.Passwords["102"]]);
        Assert.True(r.ExitCode == 0, r.Output + pbx.Output);
    }

    [Theory]
    [InlineData("101", "102", "message-summary", "403")] // somebody else's mailbox
    [InlineData("102", "102", "ua-profile", "489")] // a package Anchor does not serve
    [InlineData("102", "*97", "message-summary", "404")] // not a mailbox
    public async Task Subscriptions_Anchor_does_not_serve_are_refused(string user, string target, string package, string status)
    {
        await using PbxHost pbx = await VoicemailTests.StartAsync();
        string scenario = Sipp.Specialise("subscribe-refused.xml", ("USER", user), ("EVENT", package), ("STATUS", status));
        Sipp.Result r = await Sipp.RunAsync(scenario, pbx.Port, "u1", 1, 10, 20, "127.0.0.1", FreePort.Next(),
            ["-s", target, "-au", user, "-ap", PbxHost.Passwords[user]]);
        Assert.True(r.ExitCode == 0, r.Output + pbx.Output);
    }

    [Fact]
    public async Task Baresip_mwi_module_sees_the_lamp_go_on_for_a_new_message()
    {
        await using PbxHost pbx = await VoicemailTests.StartAsync();
        await using Baresip phone = await Baresip.StartAsync("102", PbxHost.Passwords["102"], pbx.Port, modules: ["mwi.so"]);
        Assert.True(await phone.WaitForAsync("200 OK", TimeSpan.FromSeconds(10)), "baresip: " + phone.Output);
        await pbx.AssertLogAsync("subscribed to mailbox 102");
        Assert.True(await phone.WaitForAsync("Messages-Waiting: no", TimeSpan.FromSeconds(10)), "baresip: " + phone.Output + pbx.Output);

        // 102 rings (baresip does not answer by itself): after NoAnswerSeconds the caller leaves a message.
        await using (VoiceCall caller = await VoiceCall.FromExtensionAsync(pbx, "101", "102"))
        {
            Assert.True(await caller.AnsweredAsync(TimeSpan.FromSeconds(20)), pbx.Output);
            Assert.True(await caller.HearToneAsync(1000, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(20)) is not null, pbx.Output);
            await caller.SendToneAsync(1000, TimeSpan.FromSeconds(2));
            await caller.HangUpAsync();
        }

        Assert.True(await phone.WaitForAsync("Messages-Waiting: yes", TimeSpan.FromSeconds(10)), "baresip: " + phone.Output + pbx.Output);
        Assert.Contains("Voice-Message: 1/0", phone.Output, StringComparison.Ordinal);
    }
}
