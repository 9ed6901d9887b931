namespace Anchor.Functional.Tests;

/// <summary>Phones behind the office router: Anchor answers where a REGISTER came from, and keeps that path open (issue: Figure 1, NAT).</summary>
public class NatTests
{
    [Fact]
    public async Task Calls_go_to_where_the_register_came_from_not_to_the_contact()
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        int sourcePort = FreePort.Next();
        int privatePort = FreePort.Next(); // what a phone behind NAT writes in its Contact; nothing listens there
        Sipp.Result reg = await pbx.RegisterAsync("102", sourcePort, contactPort: privatePort);
        Assert.True(reg.ExitCode == 0, reg.Output);
        await pbx.AssertLogAsync($"registered sip:102@127.0.0.1:{privatePort}");

        Task<Sipp.Result> callee = PbxHost.CalleeAsync("uas-answer.xml", sourcePort);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync("call.xml", "102");
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.True((await callee).ExitCode == 0);
    }

    [Fact]
    public async Task Binding_whose_phone_is_gone_is_dropped_by_the_keepalive()
    {
        await using PbxHost pbx = await PbxHost.StartAsync(voicemail: false, keepAliveSeconds: 5);
        // Registered over TCP; SIPp then exits, closing the connection: the next keep-alive cannot reach the phone.
        Sipp.Result reg = await pbx.RegisterAsync("103", FreePort.Next(), transport: "t1");
        Assert.True(reg.ExitCode == 0, reg.Output);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && !pbx.Output.Contains("of 103 dropped: no answer to keep-alive OPTIONS", StringComparison.Ordinal))
        {
            await Task.Delay(200);
        }

        await pbx.AssertLogAsync("of 103 dropped: no answer to keep-alive OPTIONS");
        Sipp.Result call = await pbx.CallAsync(Sipp.Specialise("call-refused.xml", ("STATUS", "480")), "103");
        Assert.True(call.ExitCode == 0, call.Output + pbx.Output);
    }

    [Fact]
    public async Task A_phone_that_answers_keepalives_stays_registered()
    {
        await using PbxHost pbx = await PbxHost.StartAsync(keepAliveSeconds: 5);
        int port = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", port)).ExitCode);
        // The phone answers two keep-alive rounds (5 s apart), then takes a call: it must still be registered.
        Sipp.Result pings = await Sipp.RunAsync("uas-options.xml", 5060, "u1", 2, 10, 20, "127.0.0.1", port, []);
        Assert.True(pings.ExitCode == 0, pings.Output + pbx.Output);
        Assert.DoesNotContain("dropped", pbx.Output, StringComparison.Ordinal);
        Task<Sipp.Result> callee = PbxHost.CalleeAsync("uas-answer.xml", port);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync("call.xml", "102");
        Assert.True(caller.ExitCode == 0, caller.Output + pbx.Output);
        Assert.True((await callee).ExitCode == 0);
    }
}
