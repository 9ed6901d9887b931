using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;

namespace Anchor.Sip.Dialogs;

/// <summary>
/// One forked copy of a request and what became of it, for whoever forks: the proxy (§16.6) and the forking UAC
/// (<see cref="InviteClient"/>). The two rules every fork needs live here, once: a CANCEL goes only after a
/// provisional response (§9.1: until then it is remembered and sent when one arrives), and Timer C (§16.8) bounds how
/// long an INVITE branch may ring, restarted by each provisional above 100.
/// <para>The bookkeeping methods are called by the owner under its own lock; responses and expiries reach the owner
/// through the abstract methods, outside any lock of this class.</para>
/// </summary>
public abstract class InviteBranch : IClientTransactionUser
{
    private readonly TransactionLayer _layer;
    private readonly SipTimer? _timerC;
    private readonly TimeSpan _timerCDuration;

    /// <param name="timerC">Timer C for INVITE branches; <see cref="TimeSpan.Zero"/>: none (other methods).</param>
    protected InviteBranch(TransactionLayer layer, SipEndPoint destination, TimeSpan timerC)
    {
        _layer = layer;
        Destination = destination;
        _timerCDuration = timerC;
        if (timerC > TimeSpan.Zero)
        {
            _timerC = new SipTimer(layer.TimerQueue, OnTimerC);
        }
    }

    public SipEndPoint Destination { get; }

    public ClientTransaction? Transaction { get; private set; }

    /// <summary>The highest provisional status seen, 0 before any.</summary>
    public int Provisional { get; private set; }

    /// <summary>The final status (received or made up), 0 while pending.</summary>
    public int Final { get; set; }

    public bool IsPending => Final == 0;

    public bool CancelWanted { get; private set; }

    public bool CancelSent { get; private set; }

    /// <summary>Sends the request of this branch; false (and <see cref="Final"/> 503) when it could not even be sent.</summary>
    public bool Send(byte[] request)
    {
        try
        {
            Transaction = _layer.SendRequest(request, Destination, this);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Final = 503;
            return false;
        }

        if (Transaction.IsInvite)
        {
            _timerC?.Start(_timerCDuration);
        }

        return true;
    }

    /// <summary>
    /// A 2xx nobody wants any more (another fork won, the caller gave up, the call went elsewhere): the dialog it made is
    /// ACKed (§13.2.2.4) and hung up at once.
    /// </summary>
    public void AckAndBye(SipMessage response)
    {
        if (Transaction is not { } tx)
        {
            return;
        }

        Dialog d = Dialog.ForUac(tx.Request, response, Destination);
        _ = _layer.SendStatelessAsync(d.CreateAck(response.CSeq), Destination).AsTask();
        try
        {
            _layer.SendRequest(d.CreateRequest("BYE"), Destination, IgnoreResponses.Instance);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Nothing more can be done for a branch that cannot be reached.
        }
    }

    /// <summary>Records a provisional response: restarts Timer C (§16.7 step 2) and sends a CANCEL that was waiting for one.</summary>
    public void NoteProvisional(int status)
    {
        Provisional = Math.Max(Provisional, status);
        if (status > 100 && IsPending && Transaction is { IsInvite: true })
        {
            _timerC?.Start(_timerCDuration);
        }

        if (CancelWanted)
        {
            Cancel();
        }
    }

    /// <summary>Records the branch's end; Timer C stops.</summary>
    public void NoteFinal(int status)
    {
        if (IsPending)
        {
            Final = status;
        }

        _timerC?.Cancel();
    }

    /// <summary>
    /// §9.1: CANCEL a pending INVITE branch once it has answered provisionally; until then the wish is remembered.
    /// Does nothing for a branch that has ended or already been cancelled.
    /// </summary>
    public void Cancel()
    {
        if (!IsPending || CancelSent || Transaction is not { IsInvite: true } tx)
        {
            return;
        }

        if (Provisional == 0)
        {
            CancelWanted = true;
            return;
        }

        CancelSent = true;
        try
        {
            _layer.SendRequest(SipRequestFactory.Cancel(tx.Request), Destination, IgnoreResponses.Instance);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // The INVITE transaction is gone (it just ended): nothing left to cancel.
        }
    }

    /// <summary>
    /// Timer C's rule (§16.8), for the owner's expiry handler: a branch that has rung is CANCELed (its 487 then ends
    /// it) and true is returned; one that never answered at all counts as a 408, and false is returned.
    /// </summary>
    protected bool CancelOnTimerC()
    {
        if (Provisional > 0)
        {
            Cancel();
            return true;
        }

        NoteFinal(408);
        return false;
    }

    public abstract void OnResponse(ClientTransaction transaction, SipMessage response);

    public abstract void OnFailure(ClientTransaction transaction, ClientTransactionError error);

    /// <summary>Timer C fired for this branch (on the timer queue's thread).</summary>
    protected abstract void OnTimerC();
}
