using Anchor.Sip.Auth;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;

namespace Anchor.Sip.Dialogs;

/// <summary>Where one copy of an INVITE goes: its Request-URI and next hop.</summary>
public sealed record InviteTarget(string RequestUri, SipEndPoint Destination);

/// <summary>How an <see cref="InviteClient"/> ended without an answer.</summary>
public sealed record InviteFailure(int Status, string Reason, SipMessage? Response, bool Cancelled, bool NoResponse);

/// <summary>Settings of one forking INVITE.</summary>
public sealed record InviteClientOptions
{
    /// <summary>Timer C per branch (§16.8): ringing that never ends is CANCELed.</summary>
    public TimeSpan TimerC { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>No response at all from any branch (not even 100) within this: the INVITE has failed (a dead ITSP). Zero: none.</summary>
    public TimeSpan NoResponseTimeout { get; init; }

    /// <summary>The account to answer 401/407 challenges with (a trunk's); null: challenges are failures.</summary>
    public DigestClient? Credentials { get; init; }

    public int MaxAuthRounds { get; init; } = 2;
}

/// <summary>What the owner of an <see cref="InviteClient"/> hears. Called outside the client's lock, in order per branch.</summary>
public interface IInviteClientUser
{
    void OnProvisional(InviteClient client, InviteClient.Branch branch, SipMessage response);

    /// <summary>The first 2xx: the dialog is confirmed. The owner sends the ACK (<see cref="InviteClient.Ack"/>).</summary>
    void OnAnswered(InviteClient client, InviteClient.Branch branch, SipMessage response, Dialog dialog);

    void OnFailed(InviteClient client, InviteFailure failure);

    /// <summary>Timer C fired on a branch (it is being CANCELed, or counts as 408): for the owner's log.</summary>
    void OnTimerC(InviteClient client, InviteClient.Branch branch);
}

/// <summary>
/// A forking INVITE client (RFC 3261 §13.2, §16.7 as it applies to a UAC): one copy per target, each its own client
/// transaction; challenges answered with the given account (§22.2); one outcome, reported once — the first 2xx, or
/// the best failure (<see cref="BestResponse"/>). The branches that lose are CANCELed (after a provisional, §9.1),
/// ringing is bounded by Timer C, and a 2xx that arrives after the outcome (another fork, or after a cancel) is
/// ACKed and hung up at once (§13.2.2.4). Retransmissions of the winning 2xx get the owner's ACK again.
/// </summary>
public sealed class InviteClient
{
    /// <summary>Builds the INVITE for a target: CSeq (one more after each challenge) and the credentials header, if any.</summary>
    public delegate byte[] RequestBuilder(InviteTarget target, uint cseq, KeyValuePair<string, string>? authorization);

    private readonly TransactionLayer _layer;
    private readonly IInviteClientUser _user;
    private readonly RequestBuilder _build;
    private readonly InviteClientOptions _options;
    private readonly Lock _gate = new();
    private readonly List<Branch> _branches = [];
    private readonly BestResponse _best = new();
    private readonly SipTimer? _noResponse;
    private uint _cseq = 1;
    private int _authRounds;
    private bool _anyResponse;
    private bool _cancelled;
    private bool _starting;
    private byte[]? _ack;

    public InviteClient(TransactionLayer layer, IInviteClientUser user, RequestBuilder build, InviteClientOptions options)
    {
        _layer = layer;
        _user = user;
        _build = build;
        _options = options;
        if (options.NoResponseTimeout > TimeSpan.Zero)
        {
            _noResponse = new SipTimer(layer.TimerQueue, OnNoResponse);
        }
    }

    /// <summary>The branch whose 2xx won, once answered.</summary>
    public Branch? Winner { get; private set; }

    /// <summary>The outcome is known (answered or failed): nothing more is reported.</summary>
    public bool Finished { get; private set; }

    public uint CSeq => _cseq;

    public void Start(IReadOnlyList<InviteTarget> targets)
    {
        List<Action> after = [];
        lock (_gate)
        {
            _starting = true;
            foreach (InviteTarget t in targets)
            {
                SendBranch(t, authorization: null);
            }

            _starting = false;
            _noResponse?.Start(_options.NoResponseTimeout);
            FinishIfAllFailed(after);
        }

        Run(after);
    }

    /// <summary>The caller gave up (§9.1): every pending branch is CANCELed; the outcome (487) follows when they end.</summary>
    public void Cancel()
    {
        lock (_gate)
        {
            if (Winner is not null)
            {
                return;
            }

            _cancelled = true;
            foreach (Branch b in _branches)
            {
                b.Cancel();
            }
        }
    }

    /// <summary>Sends the owner's ACK for the winning 2xx, and keeps it for that 2xx's retransmissions.</summary>
    public void Ack(byte[] ack)
    {
        lock (_gate)
        {
            _ack = ack;
        }

        if (Winner is { } w)
        {
            _ = _layer.SendStatelessAsync(ack, w.Destination).AsTask();
        }
    }

    private void SendBranch(InviteTarget target, KeyValuePair<string, string>? authorization)
    {
        var branch = new Branch(this, target, _options.TimerC);
        _branches.Add(branch);
        if (!branch.Send(_build(target, _cseq, authorization)))
        {
            _best.ConsiderSynthetic(503);
        }
    }

    private void OnResponse(Branch branch, SipMessage response)
    {
        int status = response.StatusCode;
        List<Action> after = [];
        lock (_gate)
        {
            _anyResponse = true;
            _noResponse?.Cancel();
            if (status < 200)
            {
                branch.NoteProvisional(status);
                if (status > 100 && !Finished && !_cancelled && !branch.CancelWanted && !branch.CancelSent)
                {
                    after.Add(() => _user.OnProvisional(this, branch, response));
                }
            }
            else if (status < 300)
            {
                OnSuccess(branch, response, after);
            }
            else
            {
                branch.NoteFinal(status);
                if (status is 401 or 407 && _options.Credentials is { } creds && !_cancelled && !Finished && _authRounds < _options.MaxAuthRounds
                    && creds.Answer(response, "INVITE", branch.Target.RequestUri) is { } answer)
                {
                    // §22.2: same Call-ID, tags and targets; the next CSeq (§8.1.3.5).
                    _authRounds++;
                    _branches.Remove(branch);
                    _cseq++;
                    SendBranch(branch.Target, answer);
                }
                else
                {
                    _best.Consider(response);
                    if (status >= 600)
                    {
                        CancelAll(except: null); // §16.7 step 6: a 6xx ends the search
                    }
                }

                FinishIfAllFailed(after);
            }
        }

        Run(after);
    }

    private void OnSuccess(Branch branch, SipMessage response, List<Action> after)
    {
        if (branch == Winner)
        {
            // The 2xx again: our ACK was lost or is not sent yet (§13.2.2.4).
            if (_ack is { } ack)
            {
                _ = _layer.SendStatelessAsync(ack, branch.Destination).AsTask();
            }

            return;
        }

        branch.NoteFinal(response.StatusCode);
        if (Finished || _cancelled)
        {
            branch.AckAndBye(response); // too late: another fork won, or the caller gave up
            if (!Finished)
            {
                FinishIfAllFailed(after);
            }

            return;
        }

        Finished = true;
        Winner = branch;
        CancelAll(except: branch);
        Dialog dialog = Dialog.ForUac(branch.Transaction!.Request, response, branch.Destination);
        after.Add(() => _user.OnAnswered(this, branch, response, dialog));
    }

    private void OnFailure(Branch branch, ClientTransactionError error)
    {
        List<Action> after = [];
        lock (_gate)
        {
            if (!branch.IsPending)
            {
                return;
            }

            // A timed-out branch counts as 408; one that could not be reached as 503 (§16.7 step 2, §16.9).
            int status = error == ClientTransactionError.Timeout ? 408 : 503;
            branch.NoteFinal(status);
            _best.ConsiderSynthetic(status);
            FinishIfAllFailed(after);
        }

        Run(after);
    }

    private void OnTimerC(Branch branch)
    {
        List<Action> after = [];
        lock (_gate)
        {
            if (!branch.IsPending)
            {
                return;
            }

            after.Add(() => _user.OnTimerC(this, branch));
            if (branch.TimerCExpired())
            {
                _best.ConsiderSynthetic(408);
                FinishIfAllFailed(after);
            }
        }

        Run(after);
    }

    private void OnNoResponse()
    {
        List<Action> after = [];
        lock (_gate)
        {
            if (_anyResponse || Finished)
            {
                return;
            }

            Finished = true;
            CancelAll(except: null); // nothing to cancel yet: remembered, and a late 2xx is ACKed and hung up
            after.Add(() => _user.OnFailed(this, new InviteFailure(503, ReasonPhrases.For(503), null, Cancelled: false, NoResponse: true)));
        }

        Run(after);
    }

    private void FinishIfAllFailed(List<Action> after)
    {
        if (Finished || _starting || _branches.Any(b => b.IsPending))
        {
            return;
        }

        Finished = true;
        _noResponse?.Cancel();
        InviteFailure f = _cancelled
            ? new InviteFailure(487, ReasonPhrases.For(487), null, Cancelled: true, NoResponse: false)
            : new InviteFailure(_best.Status == 0 ? 503 : _best.Status, _best.Status == 0 ? ReasonPhrases.For(503) : _best.Reason, _best.Response, false, false);
        after.Add(() => _user.OnFailed(this, f));
    }

    private void CancelAll(Branch? except)
    {
        foreach (Branch b in _branches)
        {
            if (b != except)
            {
                b.Cancel();
            }
        }
    }

    private static void Run(List<Action> actions)
    {
        foreach (Action a in actions)
        {
            a();
        }
    }

    /// <summary>One copy of the INVITE (one per target; a new one after a challenge).</summary>
    public sealed class Branch : InviteBranch
    {
        private readonly InviteClient _client;

        internal Branch(InviteClient client, InviteTarget target, TimeSpan timerC)
            : base(client._layer, target.Destination, timerC)
        {
            _client = client;
            Target = target;
        }

        public InviteTarget Target { get; }

        internal bool TimerCExpired() => !CancelOnTimerC();

        public override void OnResponse(ClientTransaction transaction, SipMessage response) => _client.OnResponse(this, response);

        public override void OnFailure(ClientTransaction transaction, ClientTransactionError error) => _client.OnFailure(this, error);

        protected override void OnTimerC() => _client.OnTimerC(this);
    }
}
