using System.Collections.Concurrent;
using System.Net;
using Anchor.Media.Audio;
using Anchor.Media.Relay;
using Anchor.Pbx.Applications;
using Anchor.Pbx.Model;
using Anchor.Pbx.Proxy;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Calls;

/// <summary>
/// Where the calls Anchor holds as a user agent live: it starts a call for the router's decision (an application and
/// the caller's INVITE), finds the leg of every in-dialog request, ACK and CANCEL by its dialog, and gives the legs
/// what they need from the rest of Anchor (transactions, addresses, the relay, prompts, music on hold).
/// </summary>
public sealed class CallHost
{
    public const string AllowHeader = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO";

    private readonly ConcurrentDictionary<DialogId, Leg> _dialogs = new();
    private readonly ConcurrentDictionary<ServerTransaction, Call> _byInvite = new();
    private readonly ConcurrentDictionary<Call, byte> _calls = new();
    private TransactionLayer? _transactions;

    public CallHost(PbxOptions options, LocalAddresses local, MediaRelay? relay, ILogger log, TimeProvider? time = null)
    {
        Options = options;
        Local = local;
        Relay = relay;
        Log = log;
        Time = time ?? TimeProvider.System;
    }

    public PbxOptions Options { get; }

    public LocalAddresses Local { get; }

    public MediaRelay? Relay { get; }

    public ILogger Log { get; }

    public TimeProvider Time { get; }

    public PromptLibrary? Prompts { get; init; }

    public MusicOnHold? Music { get; init; }

    /// <summary>The office's mailboxes; null when voicemail is not set up (a test harness).</summary>
    public Voicemail.Mailboxes? Mailboxes { get; init; }

    /// <summary>Resolves destinations for applications (an AA's menu key, an operator); set by the host.</summary>
    public Routing.Router? Router { get; set; }

    /// <summary>Where ended calls' records go; null in a harness that keeps none.</summary>
    public Records.CallRecords? Records { get; init; }

    /// <summary>Counts failed PIN entries toward bans (docs/security.md).</summary>
    public Security.SourceGuard? Guard { get; init; }

    /// <summary>The office's time zone (message times are announced in it).</summary>
    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Utc;

    private readonly ConcurrentDictionary<string, AudioClip> _clips = new(StringComparer.Ordinal);

    /// <summary>A WAV the configuration names (an AA's greeting), read once (validated at start).</summary>
    public AudioClip Clip(string path) => _clips.GetOrAdd(path, WavFile.Read);

    public string UserAgent => Options.ServerHeader;

    public TransactionLayer Transactions
    {
        get => _transactions ?? throw new InvalidOperationException("Transaction layer not attached");
        set => _transactions = value;
    }

    /// <summary>Calls in progress.</summary>
    public int ActiveCalls => _calls.Count;

    public IReadOnlyCollection<Call> Calls => (IReadOnlyCollection<Call>)_calls.Keys;

    /// <summary>The call in progress whose caller's Call-ID (or Anchor's short id for it) is <paramref name="id"/>.</summary>
    public Call? Find(string id) => _calls.Keys.FirstOrDefault(c => c.Caller.CallId == id || c.Id == id);

    /// <summary>
    /// Starts a call for an initial INVITE the router gave to <paramref name="application"/>: the caller's leg is made
    /// (Anchor its UAS), and the application runs on the call's gate from then on.
    /// </summary>
    /// <param name="release">Gives back what the router took for the call (a trunk slot): run when the call ends, whatever happens.</param>
    public Call Start(ServerTransaction invite, Application application, CallInfo info, bool callerFacesTrunk, Action? release = null)
    {
        string id = invite.Request.CallIdString;
        var call = new Call(this, id.Length <= 8 ? id : id[..8], info);
        call.Gate.Post(() =>
        {
            if (release is not null)
            {
                call.OnRelease(release);
            }

            Leg caller = call.AddIncoming(invite, info.Caller, callerFacesTrunk, info.Dialed);
            if (info.Direction != CallDirection.Inbound && Router is { } router)
            {
                caller.Extension = info.Caller;
                TrackCaller(router.Lines, call, invite);
            }

            _byInvite[invite] = call;
            _calls[call] = 0;
            _ = RunAsync(call, application);
        });
        return call;
    }

    /// <summary>The calling extension's busy lamp while its call is in Anchor's hands.</summary>
    private static void TrackCaller(Presence.Lines lines, Call call, ServerTransaction invite)
    {
        SipMessage req = invite.Request;
        string? fromTag = req.From.HasTag ? System.Text.Encoding.ASCII.GetString(req.From.Tag) : null;
        var d = new Presence.LineDialog(call.Info.Caller, req.CallIdString, Initiator: true, Presence.LinePhase.Trying, call.Info.Dialed)
        {
            LocalTag = fromTag,
            RemoteTag = invite.ToTag,
        };
        lines.Set(d);
        call.OnAnswer(() => lines.Set(d with { Phase = Presence.LinePhase.Confirmed }));
        call.OnEnd(() => lines.Set(d with { Phase = Presence.LinePhase.Terminated }));
    }

    private async Task RunAsync(Call call, Application application)
    {
        try
        {
            await call.Gate.Run(() => application.RunAsync(call)).ConfigureAwait(false);
            call.Gate.Post(() => call.End(EndReason.ApplicationEnded, application.Name + " finished"));
        }
        catch (OperationCanceledException)
        {
            // The call ended while the application waited for something: nothing more to do.
        }
        catch (Exception e)
        {
            Log.LogError(e, "{Call}: application {App} failed", call.Description, application.Name);
            call.Gate.Post(() => call.End(EndReason.Error, application.Name + " failed", 500, "Server Internal Error"));
        }
    }

    // ---- Dispatch from the transaction user ----

    /// <summary>A request with a To tag naming one of Anchor's legs.</summary>
    public bool TryInDialog(ServerTransaction tx)
    {
        if (!tx.Request.To.HasTag || !_dialogs.TryGetValue(DialogId.OfRequest(tx.Request), out Leg? leg))
        {
            return false;
        }

        leg.Call.Gate.Post(() => leg.OnRequest(tx));
        return true;
    }

    public bool TryAck(SipMessage ack)
    {
        if (!ack.To.HasTag || !_dialogs.TryGetValue(DialogId.OfRequest(ack), out Leg? leg))
        {
            return false;
        }

        leg.Call.Gate.Post(() => leg.OnAck(ack));
        return true;
    }

    public bool TryCancel(ServerTransaction invite)
    {
        if (!_byInvite.TryGetValue(invite, out Call? call))
        {
            return false;
        }

        call.Gate.Post(call.OnCancel);
        return true;
    }

    /// <summary>Ends every call (shutdown): BYE on answered legs, 503 to ringing ones.</summary>
    public void HangupAll()
    {
        foreach (Call call in _calls.Keys)
        {
            call.Gate.Post(() => call.End(EndReason.Shutdown, "Anchor is stopping"));
        }
    }

    /// <summary>The leg of Anchor's whose dialog has this Call-ID and either tag as Anchor's (a Replaces naming it), or null.</summary>
    public Leg? FindLeg(string callId, string tagA, string tagB) =>
        _dialogs.TryGetValue(new DialogId(callId, tagA), out Leg? leg) || _dialogs.TryGetValue(new DialogId(callId, tagB), out leg) ? leg : null;

    internal void Register(Leg leg) => _dialogs[leg.Dialog!.Id] = leg;

    internal void Register(Leg leg, DialogId id) => _dialogs[id] = leg;

    /// <summary>
    /// A leg has ended. Its dialog stays findable for a while (64·T1): a late BYE or a retransmitted ACK gets an answer
    /// from the ended leg (481, or nothing), not a proxy attempt.
    /// </summary>
    internal void Forget(Leg leg)
    {
        var ids = _dialogs.Where(kv => kv.Value == leg).Select(kv => kv.Key).ToArray();
        if (ids.Length == 0)
        {
            return;
        }

        var timer = new SipTimer(Transactions.TimerQueue, () =>
        {
            foreach (DialogId id in ids)
            {
                _dialogs.TryRemove(new KeyValuePair<DialogId, Leg>(id, leg));
            }
        });
        timer.Start(Transactions.Timers.Timeout64);
    }

    internal void OnEnded(Call call)
    {
        _calls.TryRemove(call, out _);
        foreach (var kv in _byInvite.Where(kv => kv.Value == call))
        {
            _byInvite.TryRemove(kv);
        }
    }

    // ---- Addresses ----

    /// <summary>Anchor's address toward the leg's party (the external one toward a party beyond the office router).</summary>
    internal IPEndPoint Self(Leg leg) => Local.For(leg.Destination.Transport, leg.Destination.EndPoint);

    internal string SentBy(Leg leg) => LocalAddresses.HostPort(Self(leg));

    internal string Contact(Leg leg) =>
        $"<sip:{leg.ContactUser}@{LocalAddresses.HostPort(Self(leg))}{(leg.Destination.Transport == TransportKind.Tcp ? ";transport=tcp" : "")}>";

    /// <summary>The address to write into SDP sent to <paramref name="leg"/>'s party.</summary>
    internal IPAddress MediaAddressFor(Leg leg)
    {
        if (Local.MediaThroughRouter(leg.Destination.EndPoint.Address) is { } external)
        {
            return external; // beyond the office router: the address whose media ports it forwards to Anchor
        }

        IPAddress bind = Relay!.Options.BindAddress;
        return bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any) ? Local.For(leg.Destination.Transport, leg.Destination.EndPoint).Address : Relay.Advertised;
    }

    internal TimeSpan TimerC => Options.TimerC;
}
