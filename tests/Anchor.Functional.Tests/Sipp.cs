using System.Diagnostics;

namespace Anchor.Functional.Tests;

/// <summary>Runs SIPp (Debian sip-tester) against a target, bounded in time; SIPp exits 0 only when every call succeeded.</summary>
internal static class Sipp
{
    public static string ScenarioPath(string name) => Path.IsPathRooted(name) ? name : Path.Combine(AppContext.BaseDirectory, "Scenarios", name);

    /// <summary>A copy of a scenario with placeholders replaced (SIPp cannot take an expected status from a variable).</summary>
    public static string Specialise(string name, params (string From, string To)[] replacements)
    {
        string text = File.ReadAllText(ScenarioPath(name));
        foreach (var (from, to) in replacements)
        {
            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        string path = Path.Combine(Directory.CreateTempSubdirectory("anchor-scn-").FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    public sealed record Result(int ExitCode, string Output, string WorkDir);

    /// <summary>
    /// Waits until a running SIPp (started with <c>-trace_logs</c> in <paramref name="workDir"/>) has logged a line with
    /// <paramref name="prefix"/> (a scenario's <c>&lt;log message="PREFIX [$var]"/&gt;</c>) and returns the rest of it.
    /// </summary>
    public static async Task<string> WaitForLogAsync(string workDir, string prefix, TimeSpan timeout)
    {
        DateTime end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            foreach (string f in Directory.GetFiles(workDir, "*_logs.log"))
            {
                string? line = File.ReadAllLines(f).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
                if (line is not null)
                {
                    return line[prefix.Length..].Trim();
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"SIPp logged no \"{prefix}\" within {timeout}");
    }

    /// <param name="transport">u1 (UDP) or t1 (TCP).</param>
    public static Task<Result> RunAsync(string scenario, int targetPort, string transport, int calls, int rate = 100, int timeoutSeconds = 60,
        string target = "127.0.0.1") => RunAsync(scenario, targetPort, transport, calls, rate, timeoutSeconds, target, FreePort.Next(), []);

    /// <summary>With a fixed local port (a callee registers from the port it then answers on) and extra SIPp arguments.</summary>
    /// <param name="netns">A network namespace to run in (the NAT tests), with <paramref name="localIp"/> its address there.</param>
    public static async Task<Result> RunAsync(string scenario, int targetPort, string transport, int calls, int rate, int timeoutSeconds,
        string target, int localPort, IEnumerable<string> extra, string? workDir = null, string? netns = null, string? localIp = null)
    {
        string work = workDir ?? Directory.CreateTempSubdirectory("anchor-sipp-").FullName;
        ProcessStartInfo psi = Network.Netns.StartInfo(netns, "sipp");
        psi.WorkingDirectory = work;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        psi.UseShellExecute = false;
        foreach (string a in new[]
        {
            $"{target}:{targetPort}", "-sf", ScenarioPath(scenario), "-t", transport, "-m", calls.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-r", rate.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", localIp ?? target, "-p", localPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-nostdin", "-timeout", $"{timeoutSeconds}s", "-timeout_error", "-trace_err", "-max_socket", "100",
        })
        {
            psi.ArgumentList.Add(a);
        }

        foreach (string a in extra)
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
