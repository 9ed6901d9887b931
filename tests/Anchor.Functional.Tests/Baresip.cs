using System.Diagnostics;
using System.Text;

namespace Anchor.Functional.Tests;

/// <summary>
/// Debian's baresip as a softphone the test drives: configured in a temp folder, commands written to its stdin (its
/// stdio module), its output watched for what it says. Killed with its process tree when disposed.
/// </summary>
internal sealed class Baresip : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private Baresip(Process process)
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

    /// <summary>Starts baresip registered as <paramref name="user"/> through Anchor at <paramref name="anchorPort"/>, sending a 440 Hz tone.</summary>
    /// <param name="netns">A network namespace of the NAT tests to run in, with <paramref name="ip"/> its address there and
    /// <paramref name="anchorHost"/> where it finds Anchor (the office's public address for a remote worker).</param>
    public static async Task<Baresip> StartAsync(string user, string password, int anchorPort, string codecs = "PCMU", string[]? modules = null,
        bool autoAnswer = false, string? netns = null, string ip = "127.0.0.1", string anchorHost = "127.0.0.1", int quitAfterSeconds = 60, string transport = "udp")
    {
        string dir = Directory.CreateTempSubdirectory("anchor-baresip-").FullName;
        int port = netns is null ? FreePort.Next(2) : 5060; // baresip also binds the port above for TLS
        await File.WriteAllTextAsync(Path.Combine(dir, "config"), $"""
            poll_method epoll
            sip_listen {ip}:{port}
            sip_transports {transport}
            audio_player aufile,/dev/null
            audio_source ausine,440
            ausrc_srate 48000
            ausrc_channels 2
            auplay_srate 48000
            audio_alert aufile,/dev/null
            module_path /usr/lib/baresip/modules
            module stdio.so
            module g711.so
            module ausine.so
            module aufile.so
            {string.Concat((modules ?? []).Select(m => $"module {m}\n"))}module_app account.so
            module_app menu.so

            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "accounts"),
            $"<sip:{user}@pbx.test>;auth_pass={password};outbound=\"sip:{anchorHost}:{anchorPort};transport={transport}\";regint=600;audio_codecs={codecs}{(autoAnswer ? ";answermode=auto" : "")}\n");
        ProcessStartInfo psi = Network.Netns.StartInfo(netns, "baresip");
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        psi.UseShellExecute = false;
        foreach (string a in new[] { "-f", dir, "-t", quitAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        return new Baresip(Process.Start(psi) ?? throw new InvalidOperationException("baresip did not start"));
    }

    public async Task CommandAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits until baresip has said <paramref name="text"/>; false on timeout.</summary>
    public async Task<bool> WaitForAsync(string text, TimeSpan timeout)
    {
        DateTime end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(50);
        }

        return Output.Contains(text, StringComparison.Ordinal);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await CommandAsync("/quit");
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}
