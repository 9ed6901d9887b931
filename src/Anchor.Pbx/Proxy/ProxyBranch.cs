using Anchor.Sip.Message;
using Anchor.Sip.Transactions;

namespace Anchor.Pbx.Proxy;

/// <summary>
/// One forked copy of a request (§16.6) and what became of it. It is its own client-transaction user, so a failure
/// reported while the request is still being sent already knows its branch.
/// </summary>
internal sealed class ProxyBranch : IClientTransactionUser
{
    private readonly ProxyCore _core;

    public ProxyBranch(ProxyCore core, ProxyContext context)
    {
        _core = core;
        Context = context;
    }

    public ProxyContext Context { get; }

    public ProxyCore Core => _core;

    public ClientTransaction? Transaction { get; set; }

    /// <summary>The highest provisional status seen (a CANCEL is only sent once the branch has answered, §9.1).</summary>
    public int Provisional { get; set; }

    /// <summary>The final status, 0 while pending.</summary>
    public int Final { get; set; }

    /// <summary>CANCEL wanted; sent as soon as the branch has a provisional response.</summary>
    public bool CancelWanted { get; set; }

    public bool CancelSent { get; set; }

    /// <summary>Timer C of an INVITE branch (§16.8); disposed when the branch ends.</summary>
    public ITimer? TimerC { get; set; }

    public bool IsPending => Final == 0;

    public void OnResponse(ClientTransaction transaction, SipMessage response) => _core.OnBranchResponse(this, transaction, response);

    public void OnFailure(ClientTransaction transaction, ClientTransactionError error) => _core.OnBranchFailure(this, error);
}
