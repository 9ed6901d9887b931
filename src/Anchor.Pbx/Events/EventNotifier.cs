using System.Collections.Concurrent;
using System.Globalization;
using Anchor.Pbx.Proxy;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Events;

/// <summary>
/// Anchor as an RFC 6665 notifier for one event package: an accepted SUBSCRIBE gets 200 and an immediate NOTIFY
/// with the resource's state, one NOTIFY per change, refreshes answered the same, a final NOTIFY on <c>Expires: 0</c>
/// and on expiry (<c>terminated;reason=timeout</c>). What a package knows — who may watch what, and the body — is the
/// subclass's.
/// </summary>
public abstract class EventNotifier
{
    private static readonly TimeSpan MaxExpires = TimeSpan.FromHours(1);
    private static readonly TimeSpan MinExpires = TimeSpan.FromSeconds(60);

    private readonly LocalAddresses _local;
    private readonly string _userAgent;
    private readonly ConcurrentDictionary<DialogId, Subscription> _subscriptions = new();

    // The same subscriptions by what they watch: a change (every call's phase, for busy lamps) touches only its watchers.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<DialogId, Subscription>> _byResource = new(StringComparer.Ordinal);
    private TransactionLayer? _transactions;

    protected EventNotifier(LocalAddresses local, string userAgent, ILogger log)
    {
        _local = local;
        _userAgent = userAgent;
        Log = log;
    }

    public TransactionLayer Transactions
    {
        get => _transactions ?? throw new InvalidOperationException("Transaction layer not attached");
        set => _transactions = value;
    }

    public int Subscriptions => _subscriptions.Count;

    protected ILogger Log { get; }

    protected abstract string EventName { get; }

    protected abstract string ContentType { get; }

    /// <summary>How the log names what a subscription watches ("mailbox 102").</summary>
    protected abstract string Describe(string resource);

    /// <summary>The body of a NOTIFY for <paramref name="sub"/> (its resource's state now).</summary>
    protected abstract byte[] Body(Subscription sub);

    /// <summary>Accepts an initial SUBSCRIBE the subclass allowed: a dialog (Anchor as UAS, its Contact the resource), 200, a first NOTIFY.</summary>
    protected void Begin(ServerTransaction tx, string subscriber, string resource)
    {
        TimeSpan? expires = Expires(tx, out bool tooBrief);
        if (tooBrief)
        {
            return;
        }

        var dest = new SipEndPoint(tx.From.Transport == TransportKind.Tcp ? TransportKind.Tcp : TransportKind.Udp, tx.From.Remote);
        var self = _local.For(dest.Transport, dest.EndPoint);
        string contact = $"<sip:{resource}@{LocalAddresses.HostPort(self)}{(dest.Transport == TransportKind.Tcp ? ";transport=tcp" : "")}>";
        Dialog dialog = Dialog.ForUas(tx.Request, tx.ToTag, dest, LocalAddresses.HostPort(self), contact);
        dialog.UserAgent = _userAgent;
        dialog.State = DialogState.Confirmed;
        var sub = new Subscription(this, dialog, resource, subscriber);
        Log.LogInformation("{User} subscribed to {What} from {Source}", subscriber, Describe(resource), dest);
        Accept(tx, sub, expires ?? MaxExpires);
    }

    /// <summary>A request in one of the subscriptions' dialogs (a refresh, or Expires: 0); false when it is not one.</summary>
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

    /// <summary>Tells every subscriber of <paramref name="resource"/> its new state.</summary>
    protected void NotifyAll(string resource)
    {
        if (!_byResource.TryGetValue(resource, out var watchers))
        {
            return;
        }

        foreach (Subscription sub in watchers.Values)
        {
            sub.Notify(terminated: null);
        }
    }

    /// <summary>How many subscriptions watch <paramref name="resource"/>.</summary>
    protected int Watching(string resource) => _byResource.TryGetValue(resource, out var watchers) ? watchers.Count : 0;

    private void Add(Subscription sub)
    {
        _subscriptions[sub.Dialog.Id] = sub;
        _byResource.GetOrAdd(sub.Resource, _ => new ConcurrentDictionary<DialogId, Subscription>())[sub.Dialog.Id] = sub;
    }

    private bool Remove(Subscription sub)
    {
        if (!_subscriptions.TryRemove(new KeyValuePair<DialogId, Subscription>(sub.Dialog.Id, sub)))
        {
            return false;
        }

        if (_byResource.TryGetValue(sub.Resource, out var watchers))
        {
            watchers.TryRemove(sub.Dialog.Id, out _);
        }

        return true;
    }

    protected void Send(byte[] request, SipEndPoint dest)
    {
        try
        {
            Transactions.SendRequest(request, dest, IgnoreResponses.Instance);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Log.LogDebug(e, "NOTIFY not sent to {Destination}", dest);
        }
    }

    private void Accept(ServerTransaction tx, Subscription sub, TimeSpan expires)
    {
        SipMessageWriter w = SipResponseBuilder.Start(tx.Request, 200, "OK", tx.From, sub.Dialog.LocalTag);
        w.Header("Expires", ((int)expires.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        w.Header("Contact", sub.Dialog.Contact);
        w.Header("Server", _userAgent);
        tx.Respond(200, w.Finish());
        if (expires == TimeSpan.Zero)
        {
            Remove(sub);
            sub.Notify(terminated: "deactivated"); // RFC 6665 §4.2.1.4: a final NOTIFY
            return;
        }

        Add(sub);
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

    /// <summary>One subscription: its dialog (Anchor the notifier, as UAS of the SUBSCRIBE), what it watches, its expiry.</summary>
    protected sealed class Subscription(EventNotifier owner, Dialog dialog, string resource, string subscriber)
    {
        private SipTimer? _expiry;
        private DateTimeOffset _until;

        public Dialog Dialog { get; } = dialog;

        public string Resource { get; } = resource;

        public string Subscriber { get; } = subscriber;

        /// <summary>NOTIFYs sent so far (RFC 4235's version counts them).</summary>
        public int Sent { get; private set; }

        public void Arm(TimeSpan expires)
        {
            _until = owner.Transactions.Time.GetUtcNow() + expires;
            _expiry ??= new SipTimer(owner.Transactions.TimerQueue, () =>
            {
                if (owner.Remove(this))
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

            byte[] body;
            lock (this)
            {
                body = owner.Body(this);
                Sent++;
            }

            int left = Math.Max(0, (int)(_until - owner.Transactions.Time.GetUtcNow()).TotalSeconds);
            string state = terminated is null ? $"active;expires={left}" : $"terminated;reason={terminated}";
            byte[] notify = Dialog.CreateRequest("NOTIFY", body, owner.ContentType, [new("Event", owner.EventName), new("Subscription-State", state)]);
            owner.Send(notify, Dialog.Destination);
        }
    }
}
