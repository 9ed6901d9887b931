using System.Globalization;
using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Transport;

namespace Anchor.Sip.Dialogs;

/// <summary>The states of a dialog (RFC 3261 §12): early after a provisional with a tag, confirmed after a 2xx.</summary>
public enum DialogState
{
    Early,
    Confirmed,
    Terminated,
}

/// <summary>
/// One dialog as a user agent keeps it (RFC 3261 §12): the parties with their tags, the remote target, the route set,
/// both CSeq counters, and where requests in it are sent. Builds the requests Anchor sends in it (§12.2.1.1), checks
/// the CSeq of requests it receives (§12.2.2) and follows target refreshes.
/// </summary>
public sealed class Dialog
{
    private readonly Lock _gate = new();
    private uint _localCSeq;

    private Dialog(string callId, string localTag, string localParty, string remoteParty, string remoteTarget, List<string> routeSet,
        SipEndPoint destination, string sentBy, string contact, bool isUas)
    {
        CallId = callId;
        LocalTag = localTag;
        LocalParty = localParty;
        RemoteParty = remoteParty;
        RemoteTarget = remoteTarget;
        RouteSet = routeSet;
        Destination = destination;
        SentBy = sentBy;
        Contact = contact;
        IsUas = isUas;
    }

    public DialogId Id => new(CallId, LocalTag);

    public string CallId { get; }

    public string LocalTag { get; }

    /// <summary>Anchor's From (in requests it sends) / To (in responses): URI, display name and tag, as written.</summary>
    public string LocalParty { get; }

    /// <summary>The other party's From/To value with its tag (once known).</summary>
    public string RemoteParty { get; private set; }

    /// <summary>Request-URI of requests in the dialog: the other party's Contact (§12.1), updated by target refreshes.</summary>
    public string RemoteTarget { get; private set; }

    /// <summary>Route headers of requests in the dialog, in order (§12.1.1: Record-Route as received; §12.1.2: reversed).</summary>
    public IReadOnlyList<string> RouteSet { get; }

    /// <summary>Where requests in the dialog go: a phone's NAT address, the trunk's proxy.</summary>
    public SipEndPoint Destination { get; set; }

    /// <summary>Via sent-by (host:port) for requests Anchor sends in the dialog.</summary>
    public string SentBy { get; set; }

    /// <summary>Anchor's Contact in the dialog (name-addr).</summary>
    public string Contact { get; set; }

    public bool IsUas { get; }

    public DialogState State { get; set; } = DialogState.Early;

    /// <summary>The CSeq of the last request Anchor sent in the dialog.</summary>
    public uint LocalCSeq
    {
        get
        {
            lock (_gate)
            {
                return _localCSeq;
            }
        }
    }

    /// <summary>The CSeq of the last request received in the dialog, 0 before any beyond the one that created it.</summary>
    public uint RemoteCSeq { get; private set; }

    public string UserAgent { get; set; } = "Anchor";

    /// <summary>
    /// §12.1.1: the dialog Anchor forms as UAS of <paramref name="request"/>: its Record-Route in order, its Contact as the
    /// remote target, its From as the remote party; Anchor's party is its To with <paramref name="localTag"/>.
    /// </summary>
    public static Dialog ForUas(SipMessage request, string localTag, SipEndPoint destination, string sentBy, string contact)
    {
        string to = request.TryGetHeader(HeaderKind.To, out ReadOnlySpan<byte> t) ? Encoding.UTF8.GetString(t) : "";
        string from = request.TryGetHeader(HeaderKind.From, out ReadOnlySpan<byte> f) ? Encoding.UTF8.GetString(f) : "";
        var d = new Dialog(request.CallIdString, localTag, request.To.HasTag ? to : to + ";tag=" + localTag, from, Target(request),
            RecordRoutes(request, reverse: false), destination, sentBy, contact, isUas: true)
        {
            RemoteCSeq = request.CSeq,
        };
        return d;
    }

    /// <summary>
    /// §12.1.2: the dialog Anchor forms as UAC of <paramref name="request"/> (as it sent it) from <paramref name="response"/>
    /// (a 2xx, or a provisional with a To tag): the response's Record-Route reversed, its Contact, its To.
    /// </summary>
    public static Dialog ForUac(SipMessage request, SipMessage response, SipEndPoint destination)
    {
        string from = request.TryGetHeader(HeaderKind.From, out ReadOnlySpan<byte> f) ? Encoding.UTF8.GetString(f) : "";
        string to = response.TryGetHeader(HeaderKind.To, out ReadOnlySpan<byte> t) ? Encoding.UTF8.GetString(t) : "";
        string contact = request.TryGetHeader(HeaderKind.Contact, out ReadOnlySpan<byte> c) ? Encoding.UTF8.GetString(c) : "";
        string target = response.TryGetContact(out NameAddress rc) && !rc.IsStar ? rc.Uri.ToString() : Encoding.UTF8.GetString(request[request.RequestUriSegment]);
        var d = new Dialog(request.CallIdString, Encoding.UTF8.GetString(request.From.Tag), from, to, target,
            RecordRoutes(response, reverse: true), destination, Encoding.ASCII.GetString(request.TopVia.Host) + SentByPort(request.TopVia.Port), contact,
            isUas: false)
        {
            State = response.StatusCode is >= 200 and < 300 ? DialogState.Confirmed : DialogState.Early,
        };
        d._localCSeq = request.CSeq;
        return d;
    }

    /// <summary>The next CSeq number for a request Anchor sends in the dialog (§12.2.1.1: one more each time).</summary>
    public uint NextCSeq()
    {
        lock (_gate)
        {
            return ++_localCSeq;
        }
    }

    /// <summary>A request in the dialog (§12.2.1.1) with the next CSeq, or with <paramref name="cseq"/> for a CANCEL or ACK.</summary>
    public byte[] CreateRequest(string method, ReadOnlySpan<byte> body = default, string? contentType = null,
        IEnumerable<KeyValuePair<string, string>>? headers = null, uint cseq = 0, string? requestUri = null)
    {
        if (cseq == 0)
        {
            cseq = NextCSeq();
        }

        var w = new SipMessageWriter(800 + body.Length);
        w.RequestLine(Encoding.ASCII.GetBytes(method), Encoding.UTF8.GetBytes(requestUri ?? RemoteTarget));
        w.Header("Via", $"SIP/2.0/{(Destination.Transport == TransportKind.Tcp ? "TCP" : "UDP")} {SentBy};branch={SipIds.NewBranch()};rport");
        w.Header("Max-Forwards", "70");
        w.Header("From", LocalParty);
        w.Header("To", RemoteParty);
        w.Header("Call-ID", CallId);
        w.Header("CSeq", cseq.ToString(CultureInfo.InvariantCulture) + " " + method);
        foreach (string r in RouteSet)
        {
            w.Header("Route", r);
        }

        if (method is "INVITE" or "UPDATE" or "SUBSCRIBE" or "REFER" or "NOTIFY")
        {
            w.Header("Contact", Contact); // target refresh requests carry Contact (§12.2.1.1, RFC 6665 §3.2)
        }

        w.Header("User-Agent", UserAgent);
        if (headers is not null)
        {
            foreach (var h in headers)
            {
                w.Header(h.Key, h.Value);
            }
        }

        return w.Finish(body, contentType);
    }

    /// <summary>§13.2.2.4: the ACK for a 2xx to the INVITE with CSeq <paramref name="inviteCSeq"/>, an answer in it when given.</summary>
    public byte[] CreateAck(uint inviteCSeq, ReadOnlySpan<byte> body = default, string? contentType = null) =>
        CreateRequest("ACK", body, contentType, cseq: inviteCSeq);

    /// <summary>
    /// §12.2.2: a request in the dialog with a CSeq lower than the last one is out of order (answer 500); otherwise its
    /// CSeq is remembered. ACK and CANCEL reuse their INVITE's number and are not checked.
    /// </summary>
    public bool AcceptRemoteCSeq(SipMessage request)
    {
        if (request.Method is SipMethod.Ack or SipMethod.Cancel)
        {
            return true;
        }

        lock (_gate)
        {
            if (RemoteCSeq != 0 && request.CSeq <= RemoteCSeq)
            {
                return false;
            }

            RemoteCSeq = request.CSeq;
            return true;
        }
    }

    /// <summary>§12.2: a target refresh (re-INVITE, UPDATE, or a 2xx to one) replaces the remote target with its Contact.</summary>
    public void RefreshTarget(SipMessage message)
    {
        if (message.TryGetContact(out NameAddress c) && !c.IsStar)
        {
            RemoteTarget = c.Uri.ToString();
        }
    }

    /// <summary>§12.1.2: the remote tag arrives with the first response carrying one (an early dialog becoming confirmed keeps it).</summary>
    public void UpdateRemoteParty(SipMessage response)
    {
        if (response.TryGetHeader(HeaderKind.To, out ReadOnlySpan<byte> t))
        {
            RemoteParty = Encoding.UTF8.GetString(t);
        }
    }

    public static List<string> RecordRoutes(SipMessage m, bool reverse)
    {
        var list = new List<string>();
        foreach (var item in m.EnumerateValues(HeaderKind.RecordRoute))
        {
            list.Add(Encoding.UTF8.GetString(m[item]));
        }

        if (reverse)
        {
            list.Reverse();
        }

        return list;
    }

    private static string Target(SipMessage request) =>
        request.TryGetContact(out NameAddress c) && !c.IsStar ? c.Uri.ToString() : request.From.Uri.ToString();

    private static string SentByPort(int port) => port == 0 ? "" : ":" + port.ToString(CultureInfo.InvariantCulture);
}
