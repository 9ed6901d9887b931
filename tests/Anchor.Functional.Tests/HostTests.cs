namespace Anchor.Functional.Tests;

/// <summary>The host executable as a user runs it.</summary>
public class HostTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Host_answers_options_on_its_listen_addresses_and_stops_cleanly_on_sigterm()
    {
        int port = FreePort.Next();
        await using var host = AnchorProcess.Start($"--Sip:Listen:0=udp:127.0.0.1:{port}", $"--Sip:Listen:1=tcp:127.0.0.1:{port}");
        Assert.True(await host.WaitForOutputAsync($"Listening on tcp:127.0.0.1:{port}", StartTimeout), host.Output);

        Sipp.Result udp = await Sipp.RunAsync("options.xml", port, "u1", calls: 5, rate: 20, timeoutSeconds: 20);
        Assert.True(udp.ExitCode == 0, udp.Output);
        Sipp.Result tcp = await Sipp.RunAsync("options.xml", port, "t1", calls: 5, rate: 20, timeoutSeconds: 20);
        Assert.True(tcp.ExitCode == 0, tcp.Output);

        // First start without Http:AdminPassword: the admin's password is made and printed once, and it logs in.
        var admin = System.Text.RegularExpressions.Regex.Match(host.Output, @"Admin page and API: http://127\.0\.0\.1:(\d+) \(user admin, password (\S+);");
        Assert.True(admin.Success, host.Output);
        Assert.True(await host.WaitForOutputAsync("Admin API on", StartTimeout), host.Output);
        using (var client = new AdminClient(int.Parse(admin.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.LoginAsync(admin.Groups[2].Value)).StatusCode);
        }

        Assert.Equal(0, await host.StopAsync(TimeSpan.FromSeconds(15)));
        Assert.Contains("Application is shutting down", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mistyped_key_is_warned_about_with_the_key_it_was_meant_to_be()
    {
        // Sip:Domian is not read by anything; the bad listen address then stops start-up (nothing is left running).
        await using var host = AnchorProcess.Start("--Sip:Domian=pbx.example", "--Sip:Listen:0=udp:127.0.0.1");
        Assert.Equal(2, await host.WaitForExitAsync(StartTimeout));
        Assert.Contains("warning: Sip:Domian: unknown key, ignored (did you mean Sip:Domain?)", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_listen_addresses_stop_startup_with_exit_code_2_naming_every_key()
    {
        await using var host = AnchorProcess.Start("--Sip:Listen:0=udp:127.0.0.1", "--Sip:Listen:1=sctp:127.0.0.1:5060", "--Sip:Listen:2=tcp:not-an-ip:5060");
        Assert.Equal(2, await host.WaitForExitAsync(StartTimeout));
        Assert.Contains("Sip:Listen[0]:", host.Output, StringComparison.Ordinal);
        Assert.Contains("Sip:Listen[1]:", host.Output, StringComparison.Ordinal);
        Assert.Contains("Sip:Listen[2]:", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_config_file_is_named()
    {
        await using var host = AnchorProcess.Start("--config", "/nonexistent/anchor.json");
        Assert.Equal(2, await host.WaitForExitAsync(StartTimeout));
        Assert.Contains("/nonexistent/anchor.json", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prompt_folder_missing_a_prompt_stops_startup_naming_the_key_and_the_file()
    {
        string dir = Directory.CreateTempSubdirectory("anchor-prompts-").FullName;
        File.Copy(Path.Combine(AppContext.BaseDirectory, "prompts", "en", "goodbye.wav"), Path.Combine(dir, "goodbye.wav"));
        await using var host = AnchorProcess.Start($"--Media:Prompts={dir}", $"--Storage:ConnectionString=Data Source={Path.Combine(dir, "a.db")}");
        Assert.Equal(2, await host.WaitForExitAsync(StartTimeout));
        Assert.Contains("Media:Prompts:", host.Output, StringComparison.Ordinal);
        Assert.Contains(".wav is missing", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_feature_code_that_is_an_extension_stops_startup_naming_both()
    {
        await using var host = AnchorProcess.Start("--FeatureCodes:EchoTest=101", "--Extensions:0:Number=101", "--Extensions:0:Password=long-enough-1");
        Assert.Equal(2, await host.WaitForExitAsync(StartTimeout));
        Assert.Contains("FeatureCodes:EchoTest: \"101\" is also Extensions[0].Number", host.Output, StringComparison.Ordinal);
    }
}
