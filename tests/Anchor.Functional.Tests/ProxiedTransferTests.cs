namespace Anchor.Functional.Tests;

/// <summary>
/// Blind transfer on a call Anchor proxies (phone to phone): SIPp as 101 REFERs baresip (102) to 103; the REFER and its
/// NOTIFYs pass through Anchor in the dialog, and baresip's INVITE to 103 is its own call, authenticated as 102.
/// </summary>
public class ProxiedTransferTests
{
    [Fact]
    public async Task A_refer_on_a_proxied_call_passes_through_and_the_transferee_calls_the_target_as_itself()
    {
        await using PbxHost pbx = await PbxHost.StartAsync(voicemail: false);
        int p103 = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("103", p103)).ExitCode);
        Task<Sipp.Result> target = PbxHost.CalleeAsync("uas-answer.xml", p103, answerMs: 300);
        await using Baresip transferee = await Baresip.StartAsync("102", PbxHost.Passwords["102"], pbx.Port, autoAnswer: true);
        Assert.True(await transferee.WaitForAsync("200 OK", TimeSpan.FromSeconds(10)), "baresip: " + transferee.Output + pbx.Output);

        Task<Sipp.Result> transferor = pbx.CallAsync(Sipp.Specialise("refer-uac.xml", ("TARGET", "103")), "102");
        await pbx.AssertLogAsync("INVITE from 102 to 103: 1 contact(s)"); // 102's own call, through the proxy's 407
        Assert.True(await transferee.WaitForAsync("Call established: sip:103@pbx.test", TimeSpan.FromSeconds(10)), transferee.Output + pbx.Output);
        Sipp.Result referred = await transferor; // NOTIFYs answered, then baresip's BYE of the first call
        Assert.True(referred.ExitCode == 0, "101: " + referred.Output + "\nbaresip: " + transferee.Output + pbx.Output);
        await transferee.CommandAsync("/hangup");
        Sipp.Result answered = await target;
        Assert.True(answered.ExitCode == 0, "103: " + answered.Output + "\nbaresip: " + transferee.Output);
    }
}
