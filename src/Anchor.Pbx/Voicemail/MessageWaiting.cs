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
public sealed class MessageWaiting : Events.EventNotifier
{
    public const string Package = "message-summary";

    private readonly Mailboxes _boxes;
    private readonly LocationService _location;
    private readonly LocalAddresses _local;
    private readonly string _domain;
    private readonly string _userAgent;
    private readonly bool _unsolicited;
    private readonly string _account;

    public MessageWaiting(Mailboxes boxes, LocationService location, LocalAddresses local, string domain, string userAgent, bool unsolicited,
        string voicemailCode, ILogger log)
        : base(local, userAgent, log)
    {
        _boxes = boxes;
        _location = location;
        _local = local;
        _domain = domain;
        _userAgent = userAgent;
        _unsolicited = unsolicited;
        _account = $"sip:{voicemailCode}@{domain}";
        boxes.Changed += OnChanged;
    }

    protected override string EventName => Package;

    protected override string Describe(string resource) => "mailbox " + resource;

    protected override string ContentType => "application/simple-message-summary";

    protected override byte[] Body(Subscription sub)
    {
        (int fresh, int old) = _boxes.Counts(sub.Resource);
        return Encoding.ASCII.GetBytes(Body(fresh, old, _account));
    }

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

        Begin(tx, user, mailbox);
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
        NotifyAll(mailbox);

        if (_unsolicited && !HasSubscription(mailbox))
        {
            foreach (Binding b in _location.Lookup(mailbox))
            {
                SendUnsolicited(b);
            }
        }
    }

    private bool HasSubscription(string mailbox) => Watching(mailbox) > 0;

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
}
