namespace Anchor.Functional.Tests;

/// <summary>The minimal UAS built on the stack, against SIPp over loopback (issue: the SIP stack's proof).</summary>
public class OptionsWithSippTests
{
    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task Options_are_answered_200_with_allow(string transport)
    {
        await using var stack = StackUnderTest.Start();
        Sipp.Result r = await Sipp.RunAsync("options.xml", stack.Port, transport, calls: 20, rate: 50, timeoutSeconds: 30);
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Equal(20, stack.Uas.Answered);
    }

    [Fact]
    public async Task Burst_of_10000_options_over_udp_has_no_failed_transaction()
    {
        await using var stack = StackUnderTest.Start();
        Sipp.Result r = await Sipp.RunAsync("options.xml", stack.Port, "u1", calls: 10_000, rate: 2_000, timeoutSeconds: 60);
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Equal(10_000, stack.Uas.Answered); // each transaction reached the UAS exactly once; retransmissions were absorbed
        Assert.Equal(0, stack.Transport.MalformedCount);
    }

    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task Malformed_request_gets_400(string transport)
    {
        await using var stack = StackUnderTest.Start();
        Sipp.Result r = await Sipp.RunAsync("malformed.xml", stack.Port, transport, calls: 3, rate: 10, timeoutSeconds: 20);
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Equal(3, stack.Transport.MalformedCount);
        Assert.Equal(0, stack.Uas.Answered);
    }

    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task Invite_is_refused_405_and_the_ack_completes_the_transaction(string transport)
    {
        await using var stack = StackUnderTest.Start();
        Sipp.Result r = await Sipp.RunAsync("invite-refused.xml", stack.Port, transport, calls: 5, rate: 10, timeoutSeconds: 20);
        Assert.True(r.ExitCode == 0, r.Output);
    }
}
