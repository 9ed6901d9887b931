using Anchor.Pbx.Calls;
using Anchor.Pbx.Records;
using Anchor.Sip.Transport;

namespace Anchor.Http;

/// <summary>A call's SIP ladder: every traced message of each of its dialogs in time order, between named parties.</summary>
internal static class Ladder
{
    public sealed record Message(DateTimeOffset At, string From, string To, string Transport, string CallId, string FirstLine, string Text);

    public sealed record View(string Id, IReadOnlyList<string> Parties, IReadOnlyList<Message> Messages);

    public const string Self = "Anchor";

    /// <summary>The dialogs of call <paramref name="id"/>: from its record, from the call in progress, or the id alone.</summary>
    public static View For(SipServer sip, string id)
    {
        IReadOnlyList<string> dialogs = Api.FindRecord(sip, id)?.Dialogs ?? [];
        if (dialogs.Count == 0 && sip.Calls?.Find(id) is { } call)
        {
            dialogs = call.DialogIds;
        }

        if (dialogs.Count == 0)
        {
            dialogs = [id];
        }

        var names = Names(sip);
        var messages = dialogs.SelectMany(d => sip.Trace.For(d)).OrderBy(e => e.At).Select(e =>
        {
            string remote = names.TryGetValue(e.Remote.ToString(), out string? who) ? $"{who} ({e.Remote})" : e.Remote.ToString();
            return new Message(e.At, e.Outgoing ? Self : remote, e.Outgoing ? remote : Self, e.Transport.ToString().ToLowerInvariant(), e.CallId, e.FirstLine, e.Text);
        }).ToList();

        // Lanes: the first party that spoke, Anchor, then the others in order of appearance.
        var parties = new List<string>();
        foreach (Message m in messages)
        {
            foreach (string p in new[] { m.From, m.To })
            {
                if (!parties.Contains(p))
                {
                    parties.Add(p);
                }
            }
        }

        if (!parties.Contains(Self))
        {
            parties.Add(Self);
        }

        return new View(id, parties, messages);
    }

    /// <summary>Addresses Anchor knows a name for: registered phones (their extension) and trunks' proxies.</summary>
    private static Dictionary<string, string> Names(SipServer sip)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var b in sip.Location?.All() ?? [])
        {
            names.TryAdd(b.Source.EndPoint.ToString(), b.Aor); // an extension's number
        }

        foreach (var t in sip.Snapshot?.Trunks.Values ?? [])
        {
            names.TryAdd(t.Options.Proxy.EndPoint.ToString(), "trunk " + t.Name);
        }

        return names;
    }
}
