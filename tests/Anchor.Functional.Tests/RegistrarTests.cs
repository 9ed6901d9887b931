using System.Text.RegularExpressions;

namespace Anchor.Functional.Tests;

/// <summary>Registration against the Anchor executable, with SIPp as the phone (issue: Figure 1).</summary>
public class RegistrarTests
{
    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task Register_with_the_right_password_is_accepted_and_listed(string transport)
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        Sipp.Result r = await pbx.RegisterAsync("101", FreePort.Next(), transport: transport);
        Assert.True(r.ExitCode == 0, r.Output + pbx.Output);
        await pbx.AssertLogAsync("101 registered");
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_get_the_same_answer()
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        Sipp.Result wrong = await Sipp.RunAsync("register-refused.xml", pbx.Port, "u1", 1, 10, 20, "127.0.0.1", FreePort.Next(),
            ["-s", "101", "-au", "101", "-ap", "not-the-password", "-trace_msg"]);
        Sipp.Result unknown = await Sipp.RunAsync("register-refused.xml", pbx.Port, "u1", 1, 10, 20, "127.0.0.1", FreePort.Next(),
            ["-s", "999", "-au", "999", "-ap", "not-the-password", "-trace_msg"]);
        Assert.True(wrong.ExitCode == 0, wrong.Output);
        Assert.True(unknown.ExitCode == 0, unknown.Output);

        // The final 401 of each, with what differs per request (tags, nonces, Call-ID, ports, user) masked, is the same text.
        Assert.Equal(LastResponseShape(wrong.WorkDir, "101"), LastResponseShape(unknown.WorkDir, "999"));
    }

    [Fact]
    public async Task Reregister_unregister_and_contact_star()
    {
        await using PbxHost pbx = await PbxHost.StartAsync(voicemail: false);
        int port = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", port)).ExitCode);
        Sipp.Result again = await pbx.RegisterAsync("102", port, expires: 600);
        Assert.True(again.ExitCode == 0, again.Output);
        Sipp.Result second = await pbx.RegisterAsync("102", FreePort.Next());
        Assert.True(second.ExitCode == 0, second.Output);

        Sipp.Result star = await Sipp.RunAsync("unregister-all.xml", pbx.Port, "u1", 1, 10, 20, "127.0.0.1", FreePort.Next(),
            ["-s", "102", "-au", "102", "-ap", PbxHost.Passwords["102"]]);
        Assert.True(star.ExitCode == 0, star.Output + pbx.Output);
        await pbx.AssertLogAsync("102 unregistered all 2 contacts");

        // Expires: 0 for one contact removes just that one; a call then finds nobody (480).
        Assert.Equal(0, (await pbx.RegisterAsync("102", port)).ExitCode);
        await pbx.RegisterAsync("102", port, expires: 0); // its 200 lists no binding, so register.xml's Contact check fails: ignored
        await pbx.AssertLogAsync("102 unregistered sip:102@127.0.0.1");
        Sipp.Result call = await pbx.CallAsync(Sipp.Specialise("call-refused.xml", ("STATUS", "480")), "102");
        Assert.True(call.ExitCode == 0, call.Output + pbx.Output);
    }

    [Fact]
    public async Task Too_brief_an_expiry_gets_423_with_min_expires()
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        Sipp.Result r = await Sipp.RunAsync("register-too-brief.xml", pbx.Port, "u1", 1, 10, 20, "127.0.0.1", FreePort.Next(),
            ["-s", "103", "-au", "103", "-ap", PbxHost.Passwords["103"]]);
        Assert.True(r.ExitCode == 0, r.Output);
    }

    private static string LastResponseShape(string workDir, string user)
    {
        string log = File.ReadAllText(Directory.GetFiles(workDir, "*_messages.log").Single());
        int at = log.LastIndexOf("SIP/2.0 401", StringComparison.Ordinal);
        string msg = log[at..];
        msg = msg[..msg.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        msg = Regex.Replace(msg, "nonce=\"[^\"]*\"", "nonce=N");
        msg = Regex.Replace(msg, "tag=[^;\\s>]*", "tag=T");
        msg = Regex.Replace(msg, "branch=[^;\\s]*", "branch=B");
        msg = Regex.Replace(msg, "Call-ID: .*", "Call-ID: C");
        msg = Regex.Replace(msg, ":[0-9]{2,5}", ":P");
        msg = Regex.Replace(msg, "rport=[0-9]+", "rport=P");
        return msg.Replace(user, "USER", StringComparison.Ordinal);
    }
}
