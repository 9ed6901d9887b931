namespace Anchor.Functional.Tests;

/// <summary>Calls between extensions through Anchor, with SIPp as both phones (issue: Figure 1).</summary>
public class CallTests
{
    /// <summary>Anchor as these tests run it; <see cref="CallTestsOnPostgres"/> runs them all once more on PostgreSQL.</summary>
    private protected virtual Task<PbxHost> StartAsync(int timerCSeconds = 180, bool voicemail = true) =>
        PbxHost.StartAsync(timerCSeconds: timerCSeconds, voicemail: voicemail);

    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task Call_101_to_102_with_407_ringing_answer_ack_and_bye(string transport)
    {
        await using PbxHost pbx = await StartAsync();
        int calleePort = FreePort.Next();
        Sipp.Result reg = await pbx.RegisterAsync("102", calleePort, transport: transport);
        Assert.True(reg.ExitCode == 0, reg.Output + pbx.Output);

        Task<Sipp.Result> callee = PbxHost.CalleeAsync("uas-answer.xml", calleePort, transport: transport);
        await Task.Delay(300); // let the callee bind its port
        Sipp.Result caller = await pbx.CallAsync("call.xml", "102", transport);
        Sipp.Result answered = await callee;
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.True(answered.ExitCode == 0, "callee: " + answered.Output);
        await pbx.AssertLogAsync("INVITE from 101 to 102: 1 contact(s)");
    }

    [Fact]
    public async Task Cancel_before_answer_gives_487_and_the_callee_gets_cancel()
    {
        await using PbxHost pbx = await StartAsync();
        int calleePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", calleePort)).ExitCode);
        Task<Sipp.Result> callee = PbxHost.CalleeAsync("uas-ring-cancelled.xml", calleePort);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync("call-cancel.xml", "102");
        Sipp.Result cancelled = await callee;
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.True(cancelled.ExitCode == 0, "callee: " + cancelled.Output);
    }

    [Fact]
    public async Task Callee_that_rings_past_timer_c_is_cancelled_and_the_caller_gets_487()
    {
        await using PbxHost pbx = await StartAsync(timerCSeconds: 5);
        int calleePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", calleePort)).ExitCode);
        Task<Sipp.Result> callee = PbxHost.CalleeAsync("uas-ring-cancelled.xml", calleePort);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync(Sipp.Specialise("call-refused.xml", ("STATUS", "487")), "102");
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.True((await callee).ExitCode == 0);
        await pbx.AssertLogAsync("Timer C: no final answer");
    }

    [Fact]
    public async Task Busy_callee_486_is_passed_back()
    {
        await using PbxHost pbx = await StartAsync(voicemail: false);
        int calleePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", calleePort)).ExitCode);
        Task<Sipp.Result> callee = PbxHost.CalleeAsync("uas-busy.xml", calleePort);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync(Sipp.Specialise("call-refused.xml", ("STATUS", "486")), "102");
        Sipp.Result busy = await callee;
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.True(busy.ExitCode == 0, "callee: " + busy.Output);
    }

    [Theory]
    [InlineData("103", "480")] // a known extension with no binding
    [InlineData("999", "404")] // no such number
    public async Task Unreachable_numbers_are_refused(string callee, string status)
    {
        await using PbxHost pbx = await StartAsync(voicemail: false);
        Sipp.Result caller = await pbx.CallAsync(Sipp.Specialise("call-refused.xml", ("STATUS", status)), callee);
        Assert.True(caller.ExitCode == 0, caller.Output + pbx.Output);
    }

    [Fact]
    public async Task Callee_with_two_contacts_rings_both_and_the_loser_is_cancelled()
    {
        await using PbxHost pbx = await StartAsync();
        int answerPort = FreePort.Next(), ringPort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", answerPort)).ExitCode);
        Assert.Equal(0, (await pbx.RegisterAsync("102", ringPort)).ExitCode);
        Task<Sipp.Result> answers = PbxHost.CalleeAsync("uas-answer.xml", answerPort, answerMs: 1000);
        Task<Sipp.Result> rings = PbxHost.CalleeAsync("uas-ring-cancelled.xml", ringPort);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync("call.xml", "102");
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Sipp.Result a = await answers, b = await rings;
        Assert.True(a.ExitCode == 0, "answering contact: " + a.Output);
        Assert.True(b.ExitCode == 0, "ringing contact: " + b.Output);
        await pbx.AssertLogAsync("INVITE from 101 to 102: 2 contact(s)");
    }

    [Fact]
    public async Task Restart_between_register_and_call_loses_no_registration()
    {
        await using PbxHost pbx = await StartAsync();
        int calleePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", calleePort)).ExitCode);
        await pbx.RestartAsync();
        await pbx.AssertLogAsync("Location service loaded 1 bindings");
        Task<Sipp.Result> callee = PbxHost.CalleeAsync("uas-answer.xml", calleePort);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync("call.xml", "102");
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.True((await callee).ExitCode == 0);
    }
}
