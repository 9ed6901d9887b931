using System.Diagnostics;

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

        string dir = Directory.CreateTempSubdirectory("anchor-baresip-").FullName;
        int phonePort = FreePort.Next(2); // baresip also binds the port above for TLS
        await File.WriteAllTextAsync(Path.Combine(dir, "config"), $"""
            poll_method epoll
            sip_listen 127.0.0.1:{phonePort}
            sip_transports udp
            audio_player aufile,/dev/null
            audio_source ausine,440
            ausrc_srate 48000
            ausrc_channels 2
            auplay_srate 48000
            audio_alert aufile,/dev/null
            module_path /usr/lib/baresip/modules
            module g711.so
            module ausine.so
            module aufile.so
            module_app account.so
            module_app menu.so

            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "accounts"),
            $"<sip:101@pbx.test>;auth_pass={PbxHost.Passwords["101"]};outbound=\"sip:127.0.0.1:{pbx.Port};transport=udp\";regint=600;audio_codecs=PCMU\n");

        var psi = new ProcessStartInfo("baresip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        // -t: baresip quits by itself after 10 s (time for start-up, registration and the call on a loaded machine).
        foreach (string a in new[] { "-f", dir, "-e", "/dial sip:102@pbx.test", "-t", "10" })
        {
            psi.ArgumentList.Add(a);
        }

        using Process phone = Process.Start(psi)!;
        Task<string> output = phone.StandardOutput.ReadToEndAsync();
        Task<string> errors = phone.StandardError.ReadToEndAsync();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                await phone.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                phone.Kill(entireProcessTree: true);
            }
        }

        string said = await output + await errors;
        Sipp.Result answered = await callee;
        Assert.True(said.Contains("Call established: sip:102@pbx.test", StringComparison.Ordinal), "baresip: " + said + "\nanchor: " + pbx.Output);
        Assert.True(answered.ExitCode == 0, "callee: " + answered.Output + "\nbaresip: " + said);
        await pbx.AssertLogAsync("101 registered");
        await pbx.AssertLogAsync("INVITE from 101 to 102: 1 contact(s)");
    }
}
