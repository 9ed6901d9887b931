using System.Net;
using System.Net.Sockets;
using Anchor.Pbx.Proxy;
using Anchor.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Nat;

/// <summary>
/// <c>Sip:ExternalAddress = "stun:HOST[:PORT]"</c>: the office router's public address asked of a STUN server (RFC 5389)
/// before the trunks register, and again every <see cref="Interval"/> (a broadband line's address changes); a change is
/// logged and used from then on. Only the address is taken: the router's port forwards give the ports.
/// </summary>
public sealed partial class ExternalAddressDiscovery : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    private readonly string _host;
    private readonly int _port;
    private readonly IPAddress _bind;
    private readonly LocalAddresses _local;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private SipTimer? _timer;
    private int _running;

    public ExternalAddressDiscovery(string host, int port, IPAddress bind, LocalAddresses local, ILogger log)
    {
        _host = host;
        _port = port;
        _bind = bind;
        _local = local;
        _log = log;
    }

    /// <summary>The first answer (waited for, at most ~8 s), then the periodic re-check on <paramref name="timers"/>.</summary>
    public async Task StartAsync(SipTimerQueue timers)
    {
        await CheckAsync().ConfigureAwait(false);
        _timer = SipTimer.Every(timers, Interval, () => _ = CheckAsync());
    }

    /// <summary>One query; the external address is updated when the answer differs. Never throws.</summary>
    public async Task CheckAsync()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return;
        }

        try
        {
            IPEndPoint? server = await ResolveAsync().ConfigureAwait(false);
            if (server is null)
            {
                LogUnresolved(_log, _host);
                return;
            }

            using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(_bind.AddressFamily == server.AddressFamily ? _bind : server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            IPEndPoint? mapped = await Stun.QueryAsync(socket, server, _stop.Token).ConfigureAwait(false);
            if (mapped is null)
            {
                LogNoAnswer(_log, server, _local.External?.ToString() ?? "none: peers outside get the LAN address");
                return;
            }

            IPAddress? before = _local.External;
            if (!mapped.Address.Equals(before))
            {
                _local.External = mapped.Address;
                LogDiscovered(_log, mapped.Address, server, before?.ToString() ?? "none");
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            LogFailed(_log, _host, e.Message);
        }
        finally
        {
            Interlocked.Exchange(ref _running, 0);
        }
    }

    private async Task<IPEndPoint?> ResolveAsync()
    {
        if (IPAddress.TryParse(_host, out IPAddress? ip))
        {
            return new IPEndPoint(ip, _port);
        }

        try
        {
            IPAddress[] all = await Dns.GetHostAddressesAsync(_host, _stop.Token).ConfigureAwait(false);
            IPAddress? pick = all.FirstOrDefault(a => a.AddressFamily == _bind.AddressFamily) ?? all.FirstOrDefault();
            return pick is null ? null : new IPEndPoint(pick, _port);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "External address {Address} (STUN {Server}; was {Before})")]
    private static partial void LogDiscovered(ILogger log, IPAddress address, IPEndPoint server, string before);

    [LoggerMessage(Level = LogLevel.Warning, Message = "STUN server {Server} did not answer; external address kept: {Current}")]
    private static partial void LogNoAnswer(ILogger log, IPEndPoint server, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "STUN server {Host} cannot be resolved")]
    private static partial void LogUnresolved(ILogger log, string host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "STUN query to {Host} failed: {Why}")]
    private static partial void LogFailed(ILogger log, string host, string why);

    public void Dispose()
    {
        _timer?.Cancel();
        _stop.Cancel();
        _stop.Dispose();
    }
}
