using Anchor.Configuration;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Anchor.Sip.Uas;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Anchor;

/// <summary>Runs the SIP stack inside the generic host: transports, transactions, and (for now) the OPTIONS-only UAS.</summary>
internal sealed class SipServer : IHostedService, IAsyncDisposable
{
    private readonly SipSettings _settings;
    private readonly ILoggerFactory _loggers;
    private SipTransportLayer? _transport;
    private TransactionLayer? _transactions;

    public SipServer(SipSettings settings, ILoggerFactory loggers)
    {
        _settings = settings;
        _loggers = loggers;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = new SipTransportOptions { ServerHeader = _settings.ServerHeader };
        _transport = new SipTransportLayer(options, TimeProvider.System, _loggers.CreateLogger("Anchor.Sip.Transport"));
        var uas = new OptionsUas(log: _loggers.CreateLogger("Anchor.Sip.Uas"));
        _transactions = new TransactionLayer(_transport, uas, TimeProvider.System, log: _loggers.CreateLogger("Anchor.Sip.Transactions"),
            serverHeader: _settings.ServerHeader);
        IEnumerable<string> listen = _settings.Listen.Count > 0 ? _settings.Listen : SipSettings.DefaultListen;
        _transport.Start(listen.Select(SipEndPoint.Parse), _transactions);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_transport is not null)
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
            _transport = null;
        }

        _transactions?.Dispose();
        _transactions = null;
    }
}
