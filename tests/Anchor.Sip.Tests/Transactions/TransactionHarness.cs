using System.Collections.Concurrent;
using System.Net;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Time.Testing;

namespace Anchor.Sip.Tests.Transactions;

/// <summary>A transaction layer over an in-memory transport and a fake clock: what it sends is recorded, time moves only when told.</summary>
internal sealed class TransactionHarness : ISipSender, ITransactionUser, IClientTransactionUser, IDisposable
{
    public static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.10"), 5062);
    public static readonly IPEndPoint Local = new(IPAddress.Loopback, 5060);

    public TransactionHarness(int maxServerTransactions = 100_000)
    {
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Layer = new TransactionLayer(this, this, Clock) { MaxServerTransactions = maxServerTransactions };
    }

    public FakeTimeProvider Clock { get; }

    public TransactionLayer Layer { get; }

    public ConcurrentQueue<(SipMessage Message, SipEndPoint To, TimeSpan At)> Sent { get; } = new();

    public List<ServerTransaction> Requests { get; } = [];

    public List<SipMessage> Acks { get; } = [];

    public List<ServerTransaction> Cancelled { get; } = [];

    public List<SipMessage> Responses { get; } = [];

    public List<ClientTransactionError> Failures { get; } = [];

    public bool FailSends { get; set; }

    private readonly DateTimeOffset _start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public TimeSpan Now => Clock.GetUtcNow() - _start;

    public ValueTask<bool> SendAsync(ReadOnlyMemory<byte> message, SipEndPoint destination)
    {
        if (FailSends)
        {
            return ValueTask.FromResult(false);
        }

        SipParseResult r = SipParser.ParseDatagram(message.ToArray());
        Assert.Equal(SipParseStatus.Complete, r.Status);
        Sent.Enqueue((r.Message!, destination, Now));
        return ValueTask.FromResult(true);
    }

    public void Receive(string text, TransportKind transport = TransportKind.Udp)
    {
        SipParseResult r = SipParser.ParseDatagram(Samples.Bytes(text));
        Assert.True(r.Status == SipParseStatus.Complete, r.ErrorReason);
        Layer.OnMessage(r.Message!, new ReceivedFrom(Peer, transport, Local));
    }

    public List<(SipMessage Message, SipEndPoint To, TimeSpan At)> TakeSent()
    {
        var list = new List<(SipMessage, SipEndPoint, TimeSpan)>();
        while (Sent.TryDequeue(out var s))
        {
            list.Add(s);
        }

        return list;
    }

    /// <summary>Moves the clock in small steps so every timer fires at its own time.</summary>
    public void Advance(TimeSpan by)
    {
        TimeSpan step = TimeSpan.FromMilliseconds(10);
        for (TimeSpan t = TimeSpan.Zero; t < by; t += step)
        {
            Clock.Advance(step);
        }
    }

    public void OnRequest(ServerTransaction transaction) => Requests.Add(transaction);

    public void OnAck(SipMessage ack, ReceivedFrom from, ServerTransaction? accepted) => Acks.Add(ack);

    public void OnCancel(ServerTransaction invite, SipMessage cancel) => Cancelled.Add(invite);

    public void OnStrayResponse(SipMessage response, ReceivedFrom from) => Responses.Add(response);

    public void OnResponse(ClientTransaction transaction, SipMessage response) => Responses.Add(response);

    public void OnFailure(ClientTransaction transaction, ClientTransactionError error) => Failures.Add(error);

    public void Dispose() => Layer.Dispose();

    public static string Request(string method, string branch = "z9hG4bKabc1", string toTag = "", uint cseq = 1, string cseqMethod = "", string via = "SIP/2.0/UDP 192.0.2.10:5062") =>
        $"{method} sip:102@pbx.test SIP/2.0\r\n" +
        $"Via: {via};branch={branch};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        $"To: <sip:102@pbx.test>{(toTag.Length > 0 ? ";tag=" + toTag : "")}\r\n" +
        "From: <sip:101@pbx.test>;tag=f1\r\n" +
        "Call-ID: call-1@test\r\n" +
        $"CSeq: {cseq} {(cseqMethod.Length > 0 ? cseqMethod : method)}\r\n" +
        "Content-Length: 0\r\n\r\n";

    public static string Response(int status, string reason, string branch = "z9hG4bKout1", string method = "INVITE", string toTag = "t9") =>
        $"SIP/2.0 {status} {reason}\r\n" +
        $"Via: SIP/2.0/UDP 127.0.0.1:5060;branch={branch}\r\n" +
        $"To: <sip:102@pbx.test>;tag={toTag}\r\n" +
        "From: <sip:101@pbx.test>;tag=f1\r\n" +
        "Call-ID: call-out@test\r\n" +
        $"CSeq: 1 {method}\r\n" +
        "Content-Length: 0\r\n\r\n";

    public static byte[] OutgoingRequest(string method, string branch = "z9hG4bKout1") => Samples.Bytes(
        $"{method} sip:102@192.0.2.20:5070 SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP 127.0.0.1:5060;branch={branch}\r\n" +
        "Max-Forwards: 70\r\n" +
        "Route: <sip:proxy.example;lr>\r\n" +
        "To: <sip:102@pbx.test>\r\n" +
        "From: <sip:101@pbx.test>;tag=f1\r\n" +
        "Call-ID: call-out@test\r\n" +
        $"CSeq: 1 {method}\r\n" +
        "Content-Length: 0\r\n\r\n");
}
