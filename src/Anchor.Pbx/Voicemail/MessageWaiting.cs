using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Anchor.Pbx.Location;
using Anchor.Pbx.Proxy;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Voicemail;

/// <summary>
/// Message waiting (RFC 3842 over RFC 6665): an extension's SUBSCRIBE to <c>message-summary</c> for its own mailbox gets
/// 200 and an immediate NOTIFY, one per change, a final one on <c>Expires: 0</c> and on expiry
/// (<c>terminated;reason=timeout</c>); refreshes are answered the same. Phones that never subscribe get unsolicited
/// NOTIFYs, as Asterisk sends them, to every registered contact: on each change, when they register, and after Anchor
/// restarts (<c>Voicemail:UnsolicitedMwi</c>).
/// </summary>
public sealed class MessageWaiting
{
    public const string Package = "message-summary";
    private static readonly TimeSpan MaxExpires = TimeSpan.FromHours(1);
    private static readonly TimeSpan MinExpires = TimeSpan.FromSeconds(60);

    private readonly Mailboxes _boxes;
    private readonly LocationService _location;
    private readonly LocalAddresses _local;
    private readonly string _domain;
    private readonly string _userAgent;
    private readonly bool _unsolicited;
    private readonly string _account;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<DialogId, Subscription> _subscriptions = new();
    private TransactionLayer? _transactions;

    public MessageWaiting(Mailboxes boxes, LocationService location, LocalAddresses local, string domain, string userAgent, bool unsolicited,
        string voicemailCode, ILogger log)
    {
        _boxes = boxes;
        _location = location;
        _local = local;
        _domain = domain;
        _userAgent = userAgent;
        _unsolicited = unsolicited;
        _account = $"sip:{voicemailCode}@{domain}";
        _log = log;
        boxes.Changed += OnChanged;
    }

    public TransactionLayer Transactions
    {
        get => _transactions ?? throw new InvalidOperationException("Transaction layer not attached");
        set => _transactions = value;
    }

    public int Subscriptions => _subscriptions.Count;

    /// <summary>The RFC 3842 §5.2 body: <c>Messages-Waiting</c>, <c>Message-Account</c>, <c>Voice-Message: new/old (0/0)</c>.</summary>
    public static string Body(int fresh, int old, string account) =>
        $"Messages-Waiting: {(fresh > 0 ? "yes" : "no")}\r\nMessage-Account: {account}\r\nVoice-Message: {fresh}/{old} (0/0)\r\n";

    /// <summary>The event package a SUBSCRIBE names (its Event header, parameters aside), or null.</summary>
    public static string? EventOf(SipMessage m) =>
        m.TryGetHeader(HeaderKind.Event, out ReadOnlySpan<byte> v) ? Encoding.ASCII.GetString(v).Split(';')[0].Trim().ToLowerInvariant() : null;

    /// <summary>An initial SUBSCRIBE from authenticated extension <paramref name="user"/> for <paramref name="mailbox"/>.</summary>
    public void Subscribe(ServerTransaction tx, string user, string mailbox)
    {
        if (!string.Equals(user, mailbox, StringComparison.Ordinal))
        {
            tx.Respond(403, "Forbidden (not your mailbox)");
            return;
        }

        if (!_boxes.Exists(mailbox))
        {
            tx.Respond(404, "Not Found (no mailbox)");
            return;
        }

        TimeSpan? expires = Expires(tx, out bool tooBrief);
        if (tooBrief)
        {
            return;
        }

        var dest = new SipEndPoint(tx.From.Transport == TransportKind.Tcp ? TransportKind.Tcp : TransportKind.Udp, tx.From.Remote);
        var self = _local.For(dest.Transport, dest.EndPoint);
        string contact = $"<sip:{mailbox}@{LocalAddresses.HostPort(self)}{(dest.Transport == TransportKind.Tcp ? ";transport=tcp" : "")}>";
        Dialog dialog = Dialog.ForUas(tx.Request, tx.ToTag, dest, LocalAddresses.HostPort(self), contact);
        dialog.UserAgent = _userAgent;
        dialog.State = DialogState.Confirmed;
        var sub = new Subscription(this, dialog, mailbox);
        _log.LogInformation("{User} subscribed to mailbox {Mailbox} from {Source}", user, mailbox, dest);
        Accept(tx, sub, expires ?? MaxExpires);
    }

    /// <summary>A request in a subscription's dialog (a refresh, or Expires: 0); false when it is not one.</summary>
    public bool TryInDialog(ServerTransaction tx)
    {
        if (!tx.Request.To.HasTag || !_subscriptions.TryGetValue(DialogId.OfRequest(tx.Request), out Subscription? sub))
        {
            return false;
        }

        if (tx.Request.Method != SipMethod.Subscribe)
        {
            tx.Respond(tx.Request.Method == SipMethod.Ack ? 200 : 405, "Method Not Allowed");
            return true;
        }

        if (!sub.Dialog.AcceptRemoteCSeq(tx.Request))
        {
            tx.Respond(500, "Server Internal Error (CSeq out of order)", [new("Retry-After", "1")]);
            return true;
        }

        TimeSpan? expires = Expires(tx, out bool tooBrief);
        if (!tooBrief)
        {
            Accept(tx, sub, expires ?? MaxExpires);
        }

        return true;
    }

    /// <summary>
    /// A phone registered (or Anchor restarted with it registered): when its mailbox has new messages, it hears so — a
    /// phone that just booted has its lamp off, so an empty mailbox needs no word (every later change is sent anyway).
    /// </summary>
    public void OnRegistered(Binding binding)
    {
        if (_unsolicited && _boxes.Exists(binding.Aor) && !HasSubscription(binding.Aor) && _boxes.Counts(binding.Aor).New > 0)
        {
            SendUnsolicited(binding);
        }
    }

    /// <summary>After a restart: every registered phone hears its mailbox's state again.</summary>
    public void AnnounceAll()
    {
        foreach (Binding b in _location.All())
        {
            OnRegistered(b);
        }
    }

    private void OnChanged(string mailbox)
    {
        foreach (Subscription sub in _subscriptions.Values.Where(s => s.Mailbox == mailbox))
        {
            sub.Notify(terminated: null);
        }

        if (_unsolicited && !HasSubscription(mailbox))
        {
            foreach (Binding b in _location.Lookup(mailbox))
            {
                SendUnsolicited(b);
            }
        }
    }

    private bool HasSubscription(string mailbox) => _subscriptions.Values.Any(s => s.Mailbox == mailbox);

    private void Accept(ServerTransaction tx, Subscription sub, TimeSpan expires)
    {
        SipMessageWriter w = SipResponseBuilder.Start(tx.Request, 200, "OK", tx.From, sub.Dialog.LocalTag);
        w.Header("Expires", ((int)expires.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        w.Header("Contact", sub.Dialog.Contact);
        w.Header("Server", _userAgent);
        tx.Respond(200, w.Finish());
        if (expires == TimeSpan.Zero)
        {
            _subscriptions.TryRemove(sub.Dialog.Id, out _);
            sub.Notify(terminated: "deactivated"); // RFC 6665 §4.2.1.4: a final NOTIFY
            return;
        }

        _subscriptions[sub.Dialog.Id] = sub;
        sub.Arm(expires);
        sub.Notify(terminated: null); // §4.2.1.2: at once, refreshes included
    }

    /// <summary>The granted duration: never more than asked or an hour; too short is 423 (then null with <paramref name="tooBrief"/>).</summary>
    private static TimeSpan? Expires(ServerTransaction tx, out bool tooBrief)
    {
        tooBrief = false;
        long asked = tx.Request.Expires;
        if (asked < 0)
        {
            return null;
        }

        if (asked > 0 && asked < MinExpires.TotalSeconds)
        {
            tooBrief = true;
            tx.Respond(423, "Interval Too Brief", [new("Min-Expires", ((int)MinExpires.TotalSeconds).ToString(CultureInfo.InvariantCulture))]);
            return null;
        }

        return TimeSpan.FromSeconds(Math.Min(asked, MaxExpires.TotalSeconds));
    }

    private void SendUnsolicited(Binding b)
    {
        (int fresh, int old) = _boxes.Counts(b.Aor);
        SipEndPoint dest = b.Target;
        var self = _local.For(dest.Transport, dest.EndPoint);
        string body = Body(fresh, old, _account);
        var w = new SipMessageWriter(700);
        w.RequestLine(SipMethod.Notify, b.ContactUri);
        w.Header("Via", $"SIP/2.0/{(dest.Transport == TransportKind.Tcp ? "TCP" : "UDP")} {LocalAddresses.HostPort(self)};branch={SipIds.NewBranch()};rport");
        w.Header("Max-Forwards", "70");
        w.Header("From", $"<sip:{b.Aor}@{_domain}>;tag={SipIds.NewTag()}");
        w.Header("To", $"<sip:{b.Aor}@{_domain}>");
        w.Header("Call-ID", SipIds.NewCallId());
        w.Header("CSeq", "1 NOTIFY");
        w.Header("Contact", $"<sip:{b.Aor}@{LocalAddresses.HostPort(self)}>");
        w.Header("Event", Package);
        w.Header("Subscription-State", "active");
        w.Header("User-Agent", _userAgent);
        Send(w.Finish(Encoding.ASCII.GetBytes(body), "application/simple-message-summary"), dest);
    }

    private void Send(byte[] request, SipEndPoint dest)
    {
        try
        {
            Transactions.SendRequest(request, dest, IgnoreResponses.Instance);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _log.LogDebug(e, "NOTIFY not sent to {Destination}", dest);
        }
    }

    /// <summary>One subscription: its dialog (Anchor the notifier, as UAS of the SUBSCRIBE), its mailbox and its expiry.</summary>
    private sealed class Subscription(MessageWaiting owner, Dialog dialog, string mailbox)
    {
        private SipTimer? _expiry;

        public Dialog Dialog { get; } = dialog;

        public string Mailbox { get; } = mailbox;

        private DateTimeOffset _until;

        public void Arm(TimeSpan expires)
        {
            _until = owner.Transactions.Time.GetUtcNow() + expires;
            _expiry ??= new SipTimer(owner.Transactions.TimerQueue, () =>
            {
                if (owner._subscriptions.TryRemove(new KeyValuePair<DialogId, Subscription>(Dialog.Id, this)))
                {
                    Notify(terminated: "timeout"); // RFC 6665 §4.2.2: the subscription ran out
                }
            });
            _expiry.Start(expires);
        }

        public void Notify(string? terminated)
        {
            if (terminated is not null)
            {
                _expiry?.Cancel();
            }

            (int fresh, int old) = owner._boxes.Counts(Mailbox);
            int left = Math.Max(0, (int)(_until - owner.Transactions.Time.GetUtcNow()).TotalSeconds);
            string state = terminated is null ? $"active;expires={left}" : $"terminated;reason={terminated}";
            byte[] notify = Dialog.CreateRequest("NOTIFY", Encoding.ASCII.GetBytes(Body(fresh, old, owner._account)), "application/simple-message-summary",
                [new("Event", Package), new("Subscription-State", state)]);
            owner.Send(notify, Dialog.Destination);
        }
    }
}
