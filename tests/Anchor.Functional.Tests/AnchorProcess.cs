using System.Diagnostics;
using System.Text;

namespace Anchor.Functional.Tests;

/// <summary>The real host executable (Anchor.dll, copied beside the tests), started with arguments and stopped by PID.</summary>
internal sealed class AnchorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AnchorProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static AnchorProcess Start(params string[] args) => Start(null, args);

    /// <summary>Starts Anchor with extra environment variables (runtime knobs such as DOTNET_GCHeapHardLimit).</summary>
    public static AnchorProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] args) => Start(environment, null, args);

    /// <summary>Starts Anchor inside network namespace <paramref name="netns"/> (null: the host's).</summary>
    public static AnchorProcess Start(IReadOnlyDictionary<string, string>? environment, string? netns, params string[] args)
    {
        ProcessStartInfo psi = Network.Netns.StartInfo(netns, "dotnet");
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.WorkingDirectory = Directory.CreateTempSubdirectory("anchor-host-").FullName;
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Anchor.dll"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (!args.Any(a => a.StartsWith("--Http:", StringComparison.Ordinal) || a == "--config" || a == "token"))
        {
            psi.ArgumentList.Add($"--Http:Listen=http://127.0.0.1:{FreePort.Next()}"); // never the default 8080: tests run side by side
        }

        return new AnchorProcess(Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Waits until the output contains <paramref name="text"/>, or the process exits, or the time is up.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (_process.HasExited)
            {
                await Task.Delay(100);
                return Output.Contains(text, StringComparison.Ordinal);
            }

            await Task.Delay(50);
        }

        return false;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as systemd or Ctrl-C would; the host must stop cleanly.</summary>
    public int Pid => _process.Id;

    /// <summary>kill -9: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        using var kill = Process.Start("kill", ["-KILL", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill!.WaitForExitAsync();
        await _process.WaitForExitAsync();
    }

    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill!.WaitForExitAsync();
        }

        return await WaitForExitAsync(timeout);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
