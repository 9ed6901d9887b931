using Anchor.Sip.Message;

namespace Anchor.Sip.Transactions;

/// <summary>The TU side of a client transaction: every response it passes up, or the reason it ended without one.</summary>
public interface IClientTransactionUser
{
    void OnResponse(ClientTransaction transaction, SipMessage response);

    void OnFailure(ClientTransaction transaction, ClientTransactionError error);
}
