using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;

namespace Anchor.Pbx.Proxy;

/// <summary>
/// One forked copy of a request (§16.6) and what became of it: CANCEL after a provisional and Timer C come from
/// <see cref="InviteBranch"/>, shared with the forking UAC. It is its own client-transaction user, so a failure
/// reported while the request is still being sent already knows its branch.
/// </summary>
internal sealed class ProxyBranch : InviteBranch
{
    private readonly ProxyCore _core;

    public ProxyBranch(ProxyCore core, ProxyContext context, TransactionLayer layer, SipEndPoint destination, TimeSpan timerC)
        : base(layer, destination, timerC)
    {
        _core = core;
        Context = context;
    }

    public ProxyContext Context { get; }

    /// <summary>§16.8 for the owner's lock: true when the branch was CANCELed, false when it now counts as a 408.</summary>
    public bool CancelOrTimeOut() => CancelOnTimerC();

    public override void OnResponse(ClientTransaction transaction, SipMessage response) => _core.OnBranchResponse(this, response);

    public override void OnFailure(ClientTransaction transaction, ClientTransactionError error) => _core.OnBranchFailure(this, error);

    protected override void OnTimerC() => _core.OnTimerC(this);
}
