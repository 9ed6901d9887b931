using Anchor.Sip.Message;

namespace Anchor.Sip.Transactions;

/// <summary>The user of a client transaction whose responses nobody waits for (a CANCEL, a BYE sent while hanging up).</summary>
public sealed class IgnoreResponses : IClientTransactionUser
{
    public static readonly IgnoreResponses Instance = new();

    private IgnoreResponses()
    {
    }

    public void OnResponse(ClientTransaction transaction, SipMessage response)
    {
    }

    public void OnFailure(ClientTransaction transaction, ClientTransactionError error)
    {
    }
}
