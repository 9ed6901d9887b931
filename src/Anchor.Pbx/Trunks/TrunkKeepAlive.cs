using Anchor.Pbx.Proxy;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Trunks;

/// <summary>
/// Keeps the office router's UDP mapping toward the ITSP open (<c>Trunks[].KeepAliveSeconds</c>; the SPA9000's NAT Keep
/// Alive): an OPTIONS to the trunk's proxy every interval, from the address and port the trunk registers from, so that
/// the ITSP's INVITE for a DID still gets through the router hours after the last REGISTER. A proxy that stops
/// answering is logged once, and again when it answers.
/// </summary>
public sealed class TrunkKeepAlive : IDisposable
{
    private readonly Trunk _trunk;
    private readonly TransactionLayer _transactions;
    private readonly LocalAddresses _local;
    private readonly string _userAgent;
    private readonly ILogger _log;
    private readonly SipTimer _timer;
    private int _running;
    private bool _silent;

    /// <summary>The trunk whose mapping this keeps open.</summary>
    public Trunk Trunk => _trunk;

    public TrunkKeepAlive(Trunk trunk, TransactionLayer transactions, LocalAddresses local, string userAgent, ILogger log)
    {
        _trunk = trunk;
        _transactions = transactions;
        _local = local;
        _userAgent = userAgent;
        _log = log;
        _timer = SipTimer.Every(transactions.TimerQueue, trunk.Options.KeepAlive, () => _ = PingAsync());
    }

    private async Task PingAsync()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return; // the previous one is still waiting for its answer
        }

        try
        {
            TrunkOptions o = _trunk.Options;
            SipEndPoint proxy = o.Proxy;
            string self = LocalAddresses.HostPort(_local.For(proxy.Transport, proxy.EndPoint));
            byte[] options = new SipMessageWriter(600)
                .Raw(System.Text.Encoding.UTF8.GetBytes($"OPTIONS sip:{o.Domain} SIP/2.0\r\n"))
                .Header("Via", $"SIP/2.0/{(proxy.Transport == TransportKind.Tcp ? "TCP" : "UDP")} {self};branch={SipIds.NewBranch()};rport")
                .Header("Max-Forwards", "70")
                .Header("From", $"<sip:{o.Username}@{o.Domain}>;tag={SipIds.NewTag()}")
                .Header("To", $"<sip:{o.Domain}>")
                .Header("Call-ID", SipIds.NewCallId())
                .Header("CSeq", "1 OPTIONS")
                .Header("User-Agent", _userAgent)
                .Finish();
            SipMessage? answer = await _transactions.RequestAsync(options, proxy).ConfigureAwait(false);
            if (answer is null && !_silent)
            {
                _silent = true;
                _log.LogWarning("Trunk {Trunk}: no answer to the keep-alive OPTIONS from {Proxy}", _trunk.Name, proxy);
            }
            else if (answer is not null && _silent)
            {
                _silent = false;
                _log.LogInformation("Trunk {Trunk}: {Proxy} answers the keep-alive again ({Status})", _trunk.Name, proxy, answer.StatusCode);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _log.LogWarning(e, "Trunk {Trunk}: keep-alive OPTIONS could not be sent", _trunk.Name);
        }
        finally
        {
            Interlocked.Exchange(ref _running, 0);
        }
    }

    public void Dispose() => _timer.Cancel();
}
