using Anchor.Media.Audio;
using Anchor.Media.Engine;
using Anchor.Media.Relay;
using Anchor.Pbx.Calls.Media;
using Anchor.Pbx.Trunks;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Calls;

/// <summary>Who called whom, as the router saw it.</summary>
public sealed record CallInfo(string Caller, string CallerDisplay, string Dialed, CallDirection Direction, Trunk? Trunk = null)
{
    /// <summary>The caller is away from the office LAN (outside Sip:LocalNetworks or behind a NAT): Media:Anchor = Auto anchors its calls.</summary>
    public bool CallerAway { get; init; }
}

public enum CallDirection
{
    Internal,
    Outbound,
    Inbound,
}

/// <summary>
/// A call Anchor holds as a user agent: its legs (the caller's first), the media they share, the application that
/// owns it, and its state, all behind one <see cref="SerialGate"/>. It ends once, with one <see cref="EndReason"/>;
/// every leg is then hung up, its media released, and the log says why with the RTP counters of each side.
/// </summary>
public sealed class Call : ILegHandler, ILocalStreamEvents
{
    private readonly List<Leg> _legs = [];
    private readonly List<Action> _onEnd = [];
    private readonly List<Action> _onAnswer = [];
    private readonly List<Action> _releases = [];
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _endedToken = new();
    private readonly Dictionary<int, TaskCompletionSource<bool>> _plays = [];
    private readonly Dictionary<Leg, int> _playing = [];
    private MediaGroup? _media;
    private int _nextPlay;

    internal Call(CallHost host, string id, CallInfo info)
    {
        Host = host;
        Id = id;
        Info = info;
        Gate = new SerialGate(e => host.Log.LogError(e, "Call {Call}: unexpected error", Description));
        Description = $"call {id} {info.Caller} -> {info.Dialed}{(info.Trunk is { } t ? $" via trunk {t.Name}" : "")}";
        Started = host.Time.GetUtcNow();
    }

    public CallHost Host { get; }

    public string Id { get; }

    public CallInfo Info { get; }

    public SerialGate Gate { get; }

    /// <summary>How the log names the call ("call 1a2b3c4d 101 -> 14085551212 via trunk itsp").</summary>
    public string Description { get; set; }

    public CallState State { get; private set; } = CallState.Routing;

    public EndReason Reason { get; private set; }

    public DateTimeOffset Started { get; }

    public DateTimeOffset? Answered { get; private set; }

    public IReadOnlyList<Leg> Legs => _legs;

    /// <summary>Phones' 3xx this call has followed (a redirection loop ends at the router's hop limit).</summary>
    public int Redirects { get; set; }

    /// <summary>The Call-IDs of the call's SIP dialogs, one per leg that has one (its record's and its ladder's keys).</summary>
    public IReadOnlyList<string> DialogIds => _legs.Select(l => l.CallId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The party that called (the first leg).</summary>
    public Leg Caller => _legs[0];

    /// <summary>Completes when the call has ended.</summary>
    public Task Completion => _ended.Task;

    /// <summary>Cancelled when the call ends (for waits an application makes).</summary>
    public CancellationToken Ended => _endedToken.Token;

    /// <summary>A key the caller pressed (RFC 4733 or SIP INFO), inside the gate.</summary>
    public event Action<Leg, char>? Digit;

    /// <summary>The call's media group (relay ports), made on first use; null when Anchor has no relay.</summary>
    public MediaGroup? MediaGroup
    {
        get
        {
            if (_media is null && Host.Relay is { } relay && State != CallState.Ended)
            {
                _media = relay.CreateGroup(Description);
                _media.MediaTimedOut += (_, party) => Gate.Post(() => End(EndReason.MediaTimeout, $"media timeout: nothing from {party}"));
            }

            return _media;
        }
    }

    /// <summary>Media through Anchor for <paramref name="leg"/>, or null when there is no relay (or no port).</summary>
    public AnchoredMedia? Anchor(Leg leg)
    {
        if (MediaGroup is not { } group)
        {
            return null;
        }

        var media = new AnchoredMedia(group, leg.Name, Host.MediaAddressFor(leg));
        leg.Media = media;
        return media;
    }

    internal Leg AddIncoming(ServerTransaction tx, string name, bool facesTrunk, string contactUser)
    {
        Leg leg = Leg.Incoming(this, tx, name, facesTrunk, contactUser);
        leg.Handler = this;
        _legs.Add(leg);
        return leg;
    }

    /// <summary>A new leg toward a party (its INVITE goes out with <see cref="Leg.Dial"/>).</summary>
    public Leg AddOutgoing(string name, Anchor.Sip.Transport.SipEndPoint destination, bool facesTrunk, string contactUser)
    {
        Leg leg = Leg.Outgoing(this, name, destination, facesTrunk, contactUser);
        leg.Handler = this;
        _legs.Add(leg);
        return leg;
    }

    /// <summary>
    /// Makes <paramref name="leg"/> the call's caller (the first leg): the party an application then serves — the
    /// transferee of a transfer, whichever side of the call it was.
    /// </summary>
    public void MakeCaller(Leg leg)
    {
        if (_legs.Remove(leg))
        {
            _legs.Insert(0, leg);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> as a task on the call's gate, so that its awaits (and those of any application it
    /// hands the call to) come back into the gate as an application's do; a fault is logged as "<paramref name="what"/>
    /// failed" and ends the call.
    /// </summary>
    public void RunOnGate(Func<Task> work, string what) =>
        _ = Gate.Run(work).ContinueWith(t => Gate.Post(() =>
        {
            if (t.Exception?.GetBaseException() is { } e and not OperationCanceledException)
            {
                Host.Log.LogError(e, "{Call}: {What} failed", Description, what);
                End(EndReason.Error, what + " failed", 500, "Server Internal Error");
            }
        }), TaskContinuationOptions.OnlyOnFaulted);

    /// <summary>Runs <paramref name="action"/> when the call ends (a busy lamp, a park slot).</summary>
    public void OnEnd(Action action) => _onEnd.Add(action);

    /// <summary>
    /// Gives back what the router took for the call (a trunk slot, a call limit) when it ends; it goes with the call's
    /// trunk leg when an attended transfer moves that leg into another call.
    /// </summary>
    public void OnRelease(Action release) => _releases.Add(release);

    /// <summary>
    /// An attended transfer (RFC 5589 §7): the party bridged with <paramref name="replaced"/> leaves this call for
    /// <paramref name="into"/>, and this call ends (<paramref name="replaced"/>, the transferor's consultation, is hung up).
    /// Null, with nothing changed, when that party is not there to take: the call has no bridge, or it is not answered.
    /// </summary>
    internal Leg? Surrender(Leg replaced, Call into)
    {
        if (State == CallState.Ended || replaced.Handler is not Bridge bridge || bridge.Other(replaced) is not { State: LegState.Confirmed } party)
        {
            return null;
        }

        _legs.Remove(party);
        party.Call = into;
        party.Handler = into;
        into._legs.Add(party);
        if (party.FacesTrunk)
        {
            into._releases.AddRange(_releases);
            _releases.Clear();
        }

        End(EndReason.Transferred, $"{party.Name} joined to {into.Description} by an attended transfer");
        return party;
    }

    /// <summary>Runs <paramref name="action"/> when the call is answered (a busy lamp goes to confirmed).</summary>
    public void OnAnswer(Action action) => _onAnswer.Add(action);

    public void MarkRinging()
    {
        if (State == CallState.Routing)
        {
            State = CallState.Ringing;
        }
    }

    public void MarkAnswered()
    {
        if (State is CallState.Routing or CallState.Ringing)
        {
            State = CallState.Answered;
            Answered = Host.Time.GetUtcNow();
            PbxLog.Answered(Host.Log, Description);
            foreach (Action a in _onAnswer)
            {
                a();
            }
        }
    }

    public void Note(string text) => Host.Log.LogInformation("{Call}: {Text}", Description, text);

    /// <summary>A leg's party hung up (BYE): the others are hung up and the call ends.</summary>
    internal void OnLegHungUp(Leg leg)
    {
        if (leg.Detached)
        {
            Note($"{leg.Name} left the call");
            return;
        }

        foreach (Leg other in _legs)
        {
            if (other != leg)
            {
                other.Hangup();
            }
        }

        End(leg == Caller ? EndReason.CallerHungUp : EndReason.CalleeHungUp, $"BYE from {(leg == Caller ? "the caller" : "the called side")}");
    }

    /// <summary>The caller CANCELed its INVITE (§9.2): 487 to it, CANCEL to every leg still ringing.</summary>
    internal void OnCancel()
    {
        if (State is CallState.Answered or CallState.Ended)
        {
            return;
        }

        foreach (Leg other in _legs.Skip(1))
        {
            other.Hangup();
        }

        Caller.Reject(487, "Request Terminated");
        End(EndReason.Cancelled, "cancelled by the caller");
    }

    /// <summary>Ends the call: every leg still up is hung up (BYE, CANCEL, or a final response), media released, the end logged once.</summary>
    public void End(EndReason reason, string text, int status = 503, string statusText = "Service Unavailable")
    {
        if (State == CallState.Ended)
        {
            return;
        }

        string stats = MediaStats(); // before the legs give their ports back
        Records.CallRecord? record = Host.Records is null ? null : Records.CallRecordOf.Make(this, reason, status, Host.Time.GetUtcNow());
        foreach (Leg leg in _legs)
        {
            leg.Hangup(status, statusText);
        }

        State = CallState.Ended;
        Reason = reason;
        foreach (TaskCompletionSource<bool> play in _plays.Values)
        {
            play.TrySetCanceled();
        }

        _plays.Clear();
        foreach (Leg leg in _legs)
        {
            leg.End();
            leg.Media.Release();
        }

        _media?.Dispose();
        foreach (Action a in _onEnd.Concat(_releases))
        {
            try
            {
                a();
            }
            catch (Exception e)
            {
                Host.Log.LogError(e, "{Call}: clean-up failed", Description);
            }
        }

        PbxLog.Ended(Host.Log, Description, text, stats);
        Host.OnEnded(this);
        if (record is not null)
        {
            Host.Records!.Add(record);
        }

        _endedToken.Cancel();
        _ended.TrySetResult();
    }

    // ---- For applications: Anchor's own media on the caller's leg ----

    /// <summary>
    /// Plays <paramref name="source"/> to <paramref name="leg"/> (Anchor's own engine on its media): true when it played
    /// to its end, false when <see cref="StopPlayback"/> cut it short or another playback replaced it. Cancelled when the
    /// call ends. Keys are heard through <see cref="Digit"/> (and <see cref="Voice"/> for barge-in and collecting).
    /// </summary>
    public Task<bool> PlayAsync(Leg leg, IAudioSource source)
    {
        if (State == CallState.Ended || leg.Media is not AnchoredMedia media || media.Local() is not { } stream)
        {
            return Task.FromCanceled<bool>(new CancellationToken(true));
        }

        StopPlayback(leg, stopStream: false);
        stream.Events = this;
        int id = ++_nextPlay;
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _plays[id] = done;
        _playing[leg] = id;
        stream.Play(source, id);
        return done.Task;
    }

    /// <summary>Makes Anchor's own engine <paramref name="leg"/>'s other side and hears its keys; false without anchored media.</summary>
    internal bool Listen(Leg leg)
    {
        if (leg.Media is not AnchoredMedia media || media.Local() is not { } stream)
        {
            return false;
        }

        stream.Events = this;
        return true;
    }

    /// <summary>Stops what plays to <paramref name="leg"/>; its <see cref="PlayAsync"/> completes with false.</summary>
    public void StopPlayback(Leg leg) => StopPlayback(leg, stopStream: true);

    private void StopPlayback(Leg leg, bool stopStream)
    {
        if (_playing.Remove(leg, out int id) && _plays.Remove(id, out TaskCompletionSource<bool>? done))
        {
            if (stopStream && leg.Media is AnchoredMedia m)
            {
                m.AudioPort?.Stream?.StopPlayback();
            }

            done.TrySetResult(false);
        }
    }

    void ILocalStreamEvents.OnDigit(LocalStream stream, char key)
    {
        // Engine thread: hand over, never block it.
        ThreadPool.UnsafeQueueUserWorkItem(_ => Gate.Post(() =>
        {
            Leg? leg = _legs.FirstOrDefault(l => l.Media is AnchoredMedia m && ReferenceEquals(m.AudioPort?.Stream, stream));
            OnDigit(leg ?? Caller, key, "RFC 4733");
        }), null);
    }

    void ILocalStreamEvents.OnPlaybackFinished(LocalStream stream, int playId) =>
        ThreadPool.UnsafeQueueUserWorkItem(_ => Gate.Post(() =>
        {
            if (_plays.Remove(playId, out TaskCompletionSource<bool>? done))
            {
                foreach (var kv in _playing.Where(kv => kv.Value == playId).ToArray())
                {
                    _playing.Remove(kv.Key);
                }

                done.TrySetResult(true);
            }
        }), null);

    internal void OnDigit(Leg leg, char key, string how)
    {
        PbxLog.Dtmf(Host.Log, Description, key, leg.Name, how);
        Digit?.Invoke(leg, key);
    }

    // ---- A leg an application holds (no bridge): Anchor answers its in-dialog requests itself ----

    void ILegHandler.OnRequest(Leg from, ServerTransaction tx)
    {
        SipMessage req = tx.Request;
        switch (req.Method)
        {
            case SipMethod.Invite or SipMethod.Update:
                AnswerOfferLocally(from, tx);
                return;
            case SipMethod.Info:
                if (DtmfInfo.TryParse(req) is { } key)
                {
                    OnDigit(from, key, "SIP INFO");
                }

                tx.Respond(200, "OK");
                return;
            case SipMethod.Options or SipMethod.Notify or SipMethod.Message:
                tx.Respond(200, "OK");
                return;
            default:
                tx.Respond(501, "Not Implemented");
                return;
        }
    }

    void ILegHandler.OnAck(Leg from, SipMessage ack)
    {
        // The answer to Anchor's own offer (a late offer, §13.2.1) comes in the ACK.
        if (Leg.TryGetSdp(ack, out var answer, out _) && answer is not null)
        {
            from.Media.Learn(answer);
        }
    }

    /// <summary>A re-INVITE or UPDATE to a leg whose media is Anchor's own: answered from Anchor's engine (a hold, a new codec).</summary>
    private static void AnswerOfferLocally(Leg leg, ServerTransaction tx)
    {
        if (!Leg.TryGetSdp(tx.Request, out var offer, out _))
        {
            tx.Respond(488, "Not Acceptable Here (SDP does not parse)");
            return;
        }

        if (leg.Media is not AnchoredMedia media)
        {
            tx.Respond(488, "Not Acceptable Here");
            return;
        }

        byte[]? sdp = offer is null ? media.OfferLocally() : media.AnswerLocally(offer);
        if (sdp is null)
        {
            tx.Respond(488, "Not Acceptable Here");
            return;
        }

        leg.Respond(tx, 200, "OK", sdp);
    }

    private string MediaStats()
    {
        if (_legs.Count < 2 || _legs[0].Media is not AnchoredMedia caller || _legs.Skip(1).Select(l => l.Media).OfType<AnchoredMedia>().LastOrDefault(m => m.AudioCounters is not null) is not { } called)
        {
            return "";
        }

        StreamCounters? a = caller.AudioCounters;
        StreamCounters? b = called.AudioCounters;
        if (a is null || b is null)
        {
            return "";
        }

        return $"; RTP caller->called {a.Forwarded}/{a.Packets} packets (lost {a.Lost}, jitter {a.JitterMs:0.0} ms), " +
            $"called->caller {b.Forwarded}/{b.Packets} (lost {b.Lost}, jitter {b.JitterMs:0.0} ms)";
    }
}
