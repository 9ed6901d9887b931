using System.Diagnostics;

namespace Anchor.Functional.Tests;

/// <summary>Runs SIPp (Debian sip-tester) against a target, bounded in time; SIPp exits 0 only when every call succeeded.</summary>
internal static class Sipp
{
    public static string ScenarioPath(string name) => Path.Combine(AppContext.BaseDirectory, "Scenarios", name);

    public sealed record Result(int ExitCode, string Output, string WorkDir);

    /// <param name="transport">u1 (UDP) or t1 (TCP).</param>
    public static async Task<Result> RunAsync(string scenario, int targetPort, string transport, int calls, int rate = 100, int timeoutSeconds = 60, string target = "127.0.0.1")
    {
        string work = Directory.CreateTempSubdirectory("anchor-sipp-").FullName;
        int localPort = FreePort.Next();
        var psi = new ProcessStartInfo("sipp")
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in new[]
        {
            $"{target}:{targetPort}", "-sf", ScenarioPath(scenario), "-t", transport, "-m", calls.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-r", rate.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", target, "-p", localPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-nostdin", "-timeout", $"{timeoutSeconds}s", "-timeout_error", "-trace_err", "-max_socket", "100",
        })
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("sipp did not start");
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds + 15));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"sipp did not stop within {timeoutSeconds + 15} s");
        }

        string errors = string.Join("\n", Directory.GetFiles(work, "*_errors.log").Select(File.ReadAllText));
        return new Result(p.ExitCode, await stdout + await stderr + errors, work);
    }
}
