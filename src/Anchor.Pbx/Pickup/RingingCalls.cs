using System.Collections.Concurrent;
using Anchor.Sip.Transactions;

namespace Anchor.Pbx.Pickup;

/// <summary>
/// The calls ringing at each extension right now, each with the way to take it (pickup): the proxy registers the
/// INVITEs it forks to a phone, the Dial application the legs it rings. Taking one hands the picker's INVITE to the
/// ringing call, which CANCELs the phones and joins the picker to the caller.
/// </summary>
public sealed class RingingCalls
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Entry, byte>> _byExtension = new(StringComparer.Ordinal);
    private long _order;

    /// <summary>
    /// <paramref name="take"/> is called at most once, with the picker's INVITE and extension, to take the call; it
    /// answers that INVITE in every case (joined, or refused if the call moved on meanwhile). Dispose the result when
    /// the call stops ringing there.
    /// </summary>
    public IDisposable Add(IEnumerable<string> extensions, string callId, Action<ServerTransaction, string> take)
    {
        var entry = new Entry(this, extensions.Distinct().ToArray(), callId, take, Interlocked.Increment(ref _order));
        foreach (string ext in entry.Extensions)
        {
            _byExtension.GetOrAdd(ext, _ => new ConcurrentDictionary<Entry, byte>())[entry] = 0;
        }

        return entry;
    }

    /// <summary>Takes the oldest call ringing at any of <paramref name="extensions"/> (a Call-ID narrows it: a pickup by Replaces).</summary>
    public bool TryTake(IEnumerable<string> extensions, ServerTransaction picker, string pickerExtension, string? callId = null)
    {
        var candidates = extensions.SelectMany(e => _byExtension.TryGetValue(e, out var set) ? set.Keys : [])
            .Where(e => callId is null || e.CallId == callId)
            .OrderBy(e => e.Order);
        foreach (Entry e in candidates)
        {
            if (e.Claim())
            {
                e.Take(picker, pickerExtension);
                return true;
            }
        }

        return false;
    }

    private sealed class Entry(RingingCalls owner, string[] extensions, string callId, Action<ServerTransaction, string> take, long order) : IDisposable
    {
        private int _state;

        public string[] Extensions { get; } = extensions;

        public string CallId { get; } = callId;

        public long Order { get; } = order;

        public bool Claim()
        {
            if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            {
                return false;
            }

            Dispose();
            return true;
        }

        public void Take(ServerTransaction picker, string ext) => take(picker, ext);

        public void Dispose()
        {
            foreach (string ext in Extensions)
            {
                if (owner._byExtension.TryGetValue(ext, out var set))
                {
                    set.TryRemove(this, out _);
                }
            }
        }
    }
}
