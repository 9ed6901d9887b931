using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Anchor.Pbx.Location;
using Anchor.Pbx.Model;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Registrar;

/// <summary>
/// The registrar (RFC 3261 §10.3): authenticates REGISTER with digest before anything else, so an unknown user and a
/// wrong password get the same 401 and nothing about the AOR is revealed; then adds, refreshes and removes bindings.
/// </summary>
public sealed class Registrar
{
    private readonly PbxOptions _options;
    private readonly ExtensionAuth _auth;
    private readonly LocationService _location;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    /// <summary>An office's phones are a few models: their bindings share one User-Agent string per model.</summary>
    private readonly StringPool _userAgents = new(256);
    private DateStamp? _date;

    public Registrar(PbxOptions options, ExtensionAuth auth, LocationService location, TimeProvider time, ILogger log)
    {
        _options = options;
        _auth = auth;
        _location = location;
        _time = time;
        _log = log;
    }

    /// <summary>A phone registered (a new binding, or one from a new address), once the 200 is committed: message waiting tells it its lamp.</summary>
    public event Action<Binding>? Registered;

    /// <summary>A Contact already registered came again from another source address (a NAT's new mapping), once committed.</summary>
    public event Action<Binding>? Moved;

    public void OnRegister(ServerTransaction tx)
    {
        SipMessage req = tx.Request;
        string? user = _auth.Authenticate(tx, proxy: false);
        if (user is null)
        {
            return;
        }

        // §10.3 step 6: the authenticated user may only change the bindings of its own address of record.
        if (!string.Equals(req.To.Uri.UserUnescaped, user, StringComparison.Ordinal))
        {
            tx.Respond(403, "Forbidden");
            return;
        }

        string aor = user; // the extension's Number: one string for all its bindings, not one per REGISTER

        var contacts = new List<NameAddress>(1); // a phone sends one Contact; these are large structs
        req.TryGetContacts(contacts); // validated by the parser
        long headerExpires = req.Expires;
        DateTimeOffset now = _time.GetUtcNow();
        string callId = req.CallIdString;
        uint cseq = req.CSeq;
        var source = new SipEndPoint(tx.From.Transport, tx.From.Remote);

        if (contacts.Any(c => c.IsStar))
        {
            // §10.3 step 6: "*" only alone and with Expires: 0.
            if (contacts.Count != 1 || headerExpires != 0)
            {
                tx.Respond(400, "Bad Request (Contact: * needs Expires: 0 and no other Contact)");
                return;
            }

            int removed = _location.Update(aor, list =>
            {
                var changes = list.Select(b => (b.ContactUri, (Binding?)null)).ToList();
                list.Clear();
                return (changes.Count, changes);
            });
            _log.LogInformation("{Aor} unregistered all {Count} contacts", aor, removed);
            RespondOk(tx, aor, now);
            return;
        }

        var wanted = new List<(NameAddress Contact, long Expires)>(contacts.Count);
        foreach (NameAddress c in contacts)
        {
            long expires = c.Expires >= 0 ? c.Expires : headerExpires >= 0 ? headerExpires : _options.DefaultExpires;
            if (expires != 0 && expires < _options.MinExpires)
            {
                tx.Respond(423, "Interval Too Brief", [new("Min-Expires", _options.MinExpires.ToString(CultureInfo.InvariantCulture))]);
                return;
            }

            wanted.Add((c, Math.Min(expires, _options.MaxExpires)));
        }

        string? userAgent = req.TryGetHeader(HeaderKind.UserAgent, out ReadOnlySpan<byte> ua) ? _userAgents.InternUtf8(ua) : null;
        var fresh = new List<Binding>();
        var moved = new List<Binding>();
        string? failure = _location.Update<string?>(aor, list =>
        {
            var changes = new List<(string, Binding?)>();
            foreach (var (c, expires) in wanted)
            {
                string uri = c.Uri.ToString();
                string? instance = c.TryGetParameter("+sip.instance"u8, out ReadOnlySpan<byte> inst) ? Encoding.UTF8.GetString(inst) : null;
                Binding? existing = null;
                foreach (Binding held in list)
                {
                    if (held.ContactUri == uri)
                    {
                        existing = held;
                        break;
                    }
                }

                if (existing is not null && existing.CallId == callId && cseq <= existing.CSeq)
                {
                    // §10.3 step 7: an older or repeated request must not undo a newer one.
                    return ("CSeq out of order", (IReadOnlyList<(string, Binding?)>)[]);
                }

                if (existing is not null)
                {
                    list.Remove(existing);
                }

                // RFC 5626: the same instance re-registering from a new address replaces its old binding.
                if (instance is not null)
                {
                    for (int i = 0; i < list.Count; i++)
                    {
                        if (list[i].InstanceId == instance)
                        {
                            changes.Add((list[i].ContactUri, null));
                            list.RemoveAt(i--);
                        }
                    }
                }

                if (expires == 0)
                {
                    changes.Add((uri, null));
                    if (existing is not null)
                    {
                        PbxLog.Unregistered(_log, aor, uri);
                    }

                    continue;
                }

                // A refresh keeps the strings and address its binding already holds: the copies parsed from this
                // request die young instead of the old binding's dying in the oldest generation.
                var b = new Binding(aor, existing?.ContactUri ?? uri, now.AddSeconds(expires), Kept(existing?.CallId, callId), cseq,
                    Kept(existing?.Source, source), c.QValue < 0 ? 1000 : c.QValue, Kept(existing?.InstanceId, instance), Kept(existing?.UserAgent, userAgent));
                list.Add(b);
                changes.Add((uri, b));
                if (existing is null || existing.Source != source)
                {
                    PbxLog.Registered(_log, aor, uri, source, expires);
                    fresh.Add(b);
                    if (existing is not null)
                    {
                        moved.Add(b);
                    }
                }
            }

            return ((string?)null, changes);
        });

        if (failure is not null)
        {
            tx.Respond(400, "Bad Request (" + failure + ")");
            return;
        }

        RespondOk(tx, aor, now);
        if (fresh.Count > 0 && Registered is { } registered)
        {
            _location.WhenCommitted(() => fresh.ForEach(registered));
        }

        if (moved.Count > 0 && Moved is { } onMoved)
        {
            _location.WhenCommitted(() => moved.ForEach(onMoved));
        }
    }

    /// <summary>The Date header's text (RFC 1123, §20.17), made once a second.</summary>
    private string DateText(DateTimeOffset now)
    {
        long second = now.ToUnixTimeSeconds();
        if (_date is not { } d || d.Second != second)
        {
            _date = d = new DateStamp(second, now.ToString("r", CultureInfo.InvariantCulture));
        }

        return d.Text;
    }

    private sealed record DateStamp(long Second, string Text);

    /// <summary>The value already held when it equals the new one, else the new one.</summary>
    [return: NotNullIfNotNull(nameof(fresh))]
    private static T? Kept<T>(T? held, T? fresh) where T : class => held is not null && held.Equals(fresh) ? held : fresh;

    /// <summary>200 listing every current binding with its remaining time (§10.3 step 8).</summary>
    private void RespondOk(ServerTransaction tx, string aor, DateTimeOffset now)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (Binding b in _location.Lookup(aor))
        {
            headers.Add(new("Contact", $"<{b.ContactUri}>;expires={b.RemainingSeconds(now)}"));
        }

        headers.Add(new("Date", DateText(now)));
        // Group commit: the 200 leaves once the change is in the store, so a crash cannot forget what the phone was told.
        _location.WhenCommitted(() => tx.Respond(200, "OK", headers));
    }
}
