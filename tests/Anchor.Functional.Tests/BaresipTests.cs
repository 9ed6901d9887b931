namespace Anchor.Functional.Tests;

/// <summary>A real softphone (Debian's baresip, configured in a temp folder) registers and calls a SIPp callee through Anchor.</summary>
public class BaresipTests
{
    [Fact]
    public async Task Baresip_registers_and_calls_through_anchor()
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        int calleePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", calleePort)).ExitCode);
        Task<Sipp.Result> callee = PbxHost.CalleeAsync("uas-answer.xml", calleePort, answerMs: 300);
        await Task.Delay(300);

        await using Baresip phone = await Baresip.StartAsync("101", PbxHost.Passwords["101"], pbx.Port);
        Assert.True(await phone.WaitForAsync("200 OK", TimeSpan.FromSeconds(10)), "baresip: " + phone.Output + pbx.Output);
        await phone.CommandAsync("/dial sip:102@pbx.test");
        bool established = await phone.WaitForAsync("Call established: sip:102@pbx.test", TimeSpan.FromSeconds(10));
        await Task.Delay(500);
        await phone.CommandAsync("/hangup");
        Sipp.Result answered = await callee;
        Assert.True(established, "baresip: " + phone.Output + "\nanchor: " + pbx.Output);
        Assert.True(answered.ExitCode == 0, "callee: " + answered.Output + "\nbaresip: " + phone.Output);
        await pbx.AssertLogAsync("101 registered");
        await pbx.AssertLogAsync("INVITE from 101 to 102: 1 contact(s)");
    }
}
