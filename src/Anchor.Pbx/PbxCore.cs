using Anchor.Pbx.Calls;
using Anchor.Pbx.Proxy;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Uas;

namespace Anchor.Pbx;

/// <summary>
/// The transaction user of the PBX: REGISTER goes to the registrar, OPTIONS addressed to Anchor is answered here
/// (§11.2), everything else is proxied.
/// </summary>
public sealed class PbxCore : ITransactionUser
{
    private readonly Registrar.Registrar _registrar;
    private readonly ProxyCore _proxy;
    private readonly LocalAddresses _local;

    public PbxCore(Registrar.Registrar registrar, ProxyCore proxy, LocalAddresses local)
    {
        _registrar = registrar;
        _proxy = proxy;
        _local = local;
    }

    /// <summary>The calls Anchor holds as a user agent (trunk calls, anchored calls, applications); null when there are none.</summary>
    public CallHost? Calls { get; init; }

    /// <summary>Mailbox subscriptions (their refreshes come back here by dialog); null without voicemail.</summary>
    public Voicemail.MessageWaiting? Mwi { get; init; }

    /// <summary>Busy lamps (dialog subscriptions); null when not set up.</summary>
    public Presence.DialogEvents? Blf { get; init; }

    /// <summary>Decides what each initial request is for.</summary>
    public Routing.Router? Router { get; init; }

    public void OnRequest(ServerTransaction transaction)
    {
        SipMessage req = transaction.Request;
        if (transaction.IsMergedRequest)
        {
            transaction.Respond(482, "Loop Detected");
            return;
        }

        // Requests inside a call Anchor holds as a user agent belong to that call.
        if (req.To.HasTag && ((Calls is not null && Calls.TryInDialog(transaction)) || (Mwi is not null && Mwi.TryInDialog(transaction))
            || (Blf is not null && Blf.TryInDialog(transaction))))
        {
            return;
        }

        // Phones with an outbound proxy preload a Route naming Anchor (RFC 3261 §8.1.2): such a request is still for us.
        // REGISTER and OPTIONS are answered by Anchor itself when their Request-URI names Anchor's host, whatever its port:
        // Anchor registers nobody elsewhere and passes no OPTIONS on (below), so there is nowhere else they could go.
        // (Requests that are forwarded must name Anchor's own address and port: LocalAddresses.IsLocal.)
        bool forUs = _proxy.RoutesOnlyToUs(req) && _local.NamesUs(req.RequestUri);
        if (req.Method == SipMethod.Register && forUs)
        {
            CheckFailure? f = RequestChecks.CheckUas(req, _proxy.Allowed);
            if (f is not null)
            {
                transaction.Respond(f.Status, f.Reason, f.Headers);
                return;
            }

            _registrar.OnRegister(transaction);
            return;
        }

        // OPTIONS addressed to Anchor's domain is answered here for every user, extension or not: the same 200 for all,
        // so that a scanner's OPTIONS sweep cannot tell extensions from non-extensions (phones are not pinged through
        // Anchor; their keep-alives are to Anchor itself).
        if (req.Method == SipMethod.Options && forUs)
        {
            RespondToOptions(transaction);
            return;
        }

        // A new request from an ITSP's proxy is a call to one of its DIDs; nothing else comes in that way.
        if (!req.To.HasTag && Router?.TrunkFrom(transaction.From.Remote) is { } trunk)
        {
            if (req.Method == SipMethod.Invite)
            {
                switch (Router.Inbound(req, trunk))
                {
                    case Routing.ApplicationDecision app when Calls is not null:
                        _proxy.Start(transaction, app);
                        break;
                    case Routing.RejectDecision r:
                        transaction.Respond(r.Status, r.Reason);
                        break;
                    default:
                        transaction.Respond(500, "Server Internal Error");
                        break;
                }
            }
            else if (req.Method == SipMethod.Options)
            {
                RespondToOptions(transaction); // the ITSP's keep-alive
            }
            else
            {
                transaction.Respond(404, "Not Found");
            }

            return;
        }

        _proxy.OnRequest(transaction);
    }

    /// <summary>§11.2: what Anchor supports, the same answer whoever asks.</summary>
    private void RespondToOptions(ServerTransaction transaction) =>
        transaction.Respond(200, "OK",
        [
            new("Allow", _proxy.Allowed.AllowHeader),
            new("Accept", "application/sdp"),
            new("Supported", _proxy.Allowed.SupportedHeader), // no extensions yet: an empty list is valid (§20.37)
        ]);

    public void OnAck(SipMessage ack, ReceivedFrom from, ServerTransaction? accepted)
    {
        if (Calls is null || !Calls.TryAck(ack))
        {
            _proxy.OnAck(ack, from);
        }
    }

    public void OnCancel(ServerTransaction invite, SipMessage cancel)
    {
        if (Calls is null || !Calls.TryCancel(invite))
        {
            _proxy.OnCancel(invite);
        }
    }

    public void OnStrayResponse(SipMessage response, ReceivedFrom from) => _proxy.OnStrayResponse(response, from);
}
