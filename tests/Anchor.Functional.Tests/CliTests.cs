using System.Text.Json;

namespace Anchor.Functional.Tests;

/// <summary>The operator's CLI (the same executable) against the running PBX, as an engineer on its machine runs it.</summary>
public class CliTests
{
    private static async Task<(int Code, string Output)> Cli(PbxHost pbx, params string[] args)
    {
        await using var cli = AnchorProcess.Start([.. args, "--config", pbx.ConfigFile]);
        int code = await cli.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (code, cli.Output);
    }

    [Fact]
    public async Task Status_registrations_calls_cdr_and_hangup_answer_from_the_api()
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        int phonePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("101", phonePort)).ExitCode);

        // No token given: the CLI makes its own in the data folder it can read, and the server accepts it.
        (int code, string status) = await Cli(pbx, "status");
        Assert.True(code == 0, status);
        Assert.Contains("registrations: 1", status, StringComparison.Ordinal);

        (code, string table) = await Cli(pbx, "registrations");
        Assert.True(code == 0, table);
        string[] lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("EXTENSION", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("101 ", StringComparison.Ordinal) && l.Contains($"127.0.0.1:{phonePort}", StringComparison.Ordinal));

        (code, string json) = await Cli(pbx, "registrations", "--json");
        Assert.Equal("101", JsonDocument.Parse(json).RootElement[0].GetProperty("extension").GetString());

        (code, string calls) = await Cli(pbx, "calls");
        Assert.True(code == 0, calls);
        Assert.Single(calls.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // the header alone: no call

        (code, string cdr) = await Cli(pbx, "cdr", "--since", "1h", "--direction", "outbound");
        Assert.True(code == 0, cdr);
        (code, string bad) = await Cli(pbx, "cdr", "--since", "last-week");
        Assert.Equal(1, code);
        Assert.Contains("400", bad, StringComparison.Ordinal);

        (code, string hangup) = await Cli(pbx, "hangup", "no-such-call");
        Assert.Equal(1, code);
        Assert.Contains("404: no call no-such-call in progress", hangup, StringComparison.Ordinal);

        (code, string refused) = await Cli(pbx, "status", "--token", "anc_not-a-token");
        Assert.Equal(1, code);
        Assert.Contains("401", refused, StringComparison.Ordinal);
    }
}
