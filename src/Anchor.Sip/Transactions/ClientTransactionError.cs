namespace Anchor.Sip.Transactions;

/// <summary>How a client transaction ended without a final response (§17.1.1.2, §17.1.2.2, §17.1.4). The TU treats both as 408 / 503.</summary>
public enum ClientTransactionError
{
    Timeout,
    TransportError,
}
