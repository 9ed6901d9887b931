using System.Net;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Anchor.Sip.Uas;

namespace Anchor.Functional.Tests;

/// <summary>The SIP stack with the minimal OPTIONS UAS, listening on UDP and TCP on one free loopback port.</summary>
internal sealed class StackUnderTest : IAsyncDisposable
{
    private StackUnderTest(int port, SipTransportLayer transport, TransactionLayer transactions, OptionsUas uas)
    {
        Port = port;
        Transport = transport;
        Transactions = transactions;
        Uas = uas;
    }

    public int Port { get; }

    public SipTransportLayer Transport { get; }

    public TransactionLayer Transactions { get; }

    public OptionsUas Uas { get; }

    public static StackUnderTest Start(IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        int port = FreePort.Next();
        var transport = new SipTransportLayer();
        var uas = new OptionsUas();
        var transactions = new TransactionLayer(transport, uas);
        transport.Start(
        [
            new SipEndPoint(TransportKind.Udp, new IPEndPoint(address, port)),
            new SipEndPoint(TransportKind.Tcp, new IPEndPoint(address, port)),
        ], transactions);
        return new StackUnderTest(port, transport, transactions, uas);
    }

    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync();
        Transactions.Dispose();
    }
}
