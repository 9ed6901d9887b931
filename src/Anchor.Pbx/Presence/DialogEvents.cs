using System.Security;
using System.Text;
using Anchor.Pbx.Proxy;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Presence;

/// <summary>
/// Busy lamps: the RFC 4235 dialog event package for the office's extensions. An authenticated extension's
/// SUBSCRIBE (<c>Event: dialog</c>) to another extension gets 200 and an immediate NOTIFY with
/// <c>application/dialog-info+xml</c> (the whole state, <c>state="full"</c>), then one per change of any of that
/// extension's dialogs — trying, early, confirmed, terminated — for proxied and anchored calls alike (fed by
/// <see cref="Lines"/>). Each dialog carries its Call-ID and tags, so a phone's BLF key can pick a ringing call up with
/// INVITE/Replaces (RFC 5359 §2.16) or with the pickup code.
/// </summary>
public sealed class DialogEvents : Events.EventNotifier
{
    public const string Package = "dialog";

    /// <summary>Subscriptions one extension may have watching it (a receptionist's console and a few lamps).</summary>
    public const int MaxWatchers = 32;

    private readonly Lines _lines;
    private readonly string _domain;

    public DialogEvents(Lines lines, LocalAddresses local, string domain, string userAgent, ILogger log)
        : base(local, userAgent, log)
    {
        _lines = lines;
        _domain = domain;
        lines.Changed += OnChanged;
    }

    protected override string EventName => Package;

    protected override string Describe(string resource) => "the busy lamp of " + resource;

    protected override string ContentType => "application/dialog-info+xml";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, LineDialog> _ending = new();

    /// <summary>An initial SUBSCRIBE from extension <paramref name="subscriber"/> for extension <paramref name="extension"/>.</summary>
    public void Subscribe(Anchor.Sip.Transactions.ServerTransaction tx, string subscriber, string extension)
    {
        if (Watching(extension) >= MaxWatchers)
        {
            Log.LogWarning("Busy lamp of {Extension} refused to {Subscriber}: {Max} subscriptions already", extension, subscriber, MaxWatchers);
            tx.Respond(403, "Forbidden (too many subscriptions to this extension)");
            return;
        }

        Begin(tx, subscriber, extension);
    }

    private void OnChanged(LineDialog d)
    {
        if (d.Phase == LinePhase.Terminated)
        {
            _ending[d.Extension] = d; // shown once, in the NOTIFY that reports it
            try
            {
                NotifyAll(d.Extension);
            }
            finally
            {
                _ending.TryRemove(new KeyValuePair<string, LineDialog>(d.Extension, d));
            }

            return;
        }

        NotifyAll(d.Extension);
    }

    protected override byte[] Body(Subscription sub)
    {
        string ext = sub.Resource;
        var dialogs = _lines.Of(ext).ToList();
        if (_ending.TryGetValue(ext, out LineDialog? ended))
        {
            dialogs.Add(ended);
        }

        var xml = new StringBuilder(300 + dialogs.Count * 400);
        xml.Append("<?xml version=\"1.0\"?>\r\n")
            .Append("<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"").Append(sub.Sent)
            .Append("\" state=\"full\" entity=\"").Append(Escape($"sip:{ext}@{_domain}")).Append("\">\r\n");
        foreach (LineDialog d in dialogs)
        {
            xml.Append(" <dialog id=\"").Append(Escape(d.Id)).Append("\" call-id=\"").Append(Escape(d.CallId)).Append('"');
            if (d.LocalTag is { } lt)
            {
                xml.Append(" local-tag=\"").Append(Escape(lt)).Append('"');
            }

            if (d.RemoteTag is { } rt)
            {
                xml.Append(" remote-tag=\"").Append(Escape(rt)).Append('"');
            }

            xml.Append(" direction=\"").Append(d.Initiator ? "initiator" : "recipient").Append("\">\r\n")
                .Append("  <state>").Append(d.Phase.ToString().ToLowerInvariant()).Append("</state>\r\n")
                .Append("  <local><identity>").Append(Escape($"sip:{ext}@{_domain}")).Append("</identity></local>\r\n");
            if (d.Remote is { } remote)
            {
                xml.Append("  <remote><identity>").Append(Escape($"sip:{remote}@{_domain}")).Append("</identity></remote>\r\n");
            }

            xml.Append(" </dialog>\r\n");
        }

        xml.Append("</dialog-info>\r\n");
        return Encoding.UTF8.GetBytes(xml.ToString());
    }

    private static string Escape(string s) => SecurityElement.Escape(s);
}
