using Anchor.Pbx.Location;
using Anchor.Pbx.Proxy;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx;

/// <summary>
/// Pings every binding with OPTIONS at a fixed interval, over the path it registered from: keeps the office router's
/// NAT mapping open and notices phones that are gone. Any response counts as alive; no response (Timer F) or a transport
/// error drops the binding.
/// </summary>
public sealed class KeepAlive : IDisposable
{
    private readonly LocationService _location;
    private readonly TransactionLayer _transactions;
    private readonly LocalAddresses _local;
    private readonly string _domain;
    private readonly ILogger _log;
    private readonly SipTimer _timer;
    private int _running;

    public KeepAlive(LocationService location, TransactionLayer transactions, LocalAddresses local, string domain, TimeSpan interval, ILogger log)
    {
        _location = location;
        _transactions = transactions;
        _local = local;
        _domain = domain;
        _log = log;
        _timer = SipTimer.Every(transactions.TimerQueue, interval, Tick);
    }

    private void Tick()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return;
        }

        try
        {
            foreach (Binding b in _location.All())
            {
                _ = PingAsync(b);
            }
        }
        finally
        {
            Interlocked.Exchange(ref _running, 0);
        }
    }

    private async Task PingAsync(Binding b)
    {
        var self = _local.For(b.Target.Transport, b.Target.EndPoint);
        string branch = SipIds.NewBranch();
        string transport = b.Target.Transport == TransportKind.Tcp ? "TCP" : "UDP";
        byte[] options = new SipMessageWriter(512)
            .Raw(System.Text.Encoding.UTF8.GetBytes($"OPTIONS {b.ContactUri} SIP/2.0\r\n"))
            .Header("Via", $"SIP/2.0/{transport} {LocalAddresses.HostPort(self)};branch={branch};rport")
            .Header("Max-Forwards", "70")
            .Header("From", $"<sip:anchor@{_domain}>;tag={SipIds.NewTag()}")
            .Header("To", $"<{b.ContactUri}>")
            .Header("Call-ID", SipIds.NewCallId() + "@" + _domain)
            .Header("CSeq", "1 OPTIONS")
            .Finish();
        SipMessage? response;
        try
        {
            response = await _transactions.RequestAsync(options, b.Target).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.LogWarning(e, "Keep-alive to {Contact} could not be sent", b.ContactUri);
            return;
        }

        if (response is null)
        {
            _location.Drop(b, "no answer to keep-alive OPTIONS");
        }
    }

    public void Dispose() => _timer.Cancel();
}
