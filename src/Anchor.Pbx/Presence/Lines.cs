using System.Collections.Concurrent;

namespace Anchor.Pbx.Presence;

/// <summary>The RFC 4235 states of a dialog, as a busy lamp shows them.</summary>
public enum LinePhase
{
    Trying,
    Early,
    Confirmed,
    Terminated,
}

/// <summary>
/// One dialog of an extension's phone, as Anchor sees it: the SIP Call-ID and tags of the dialog the phone is in (the
/// phone's own tag first), whether the phone placed the call, who is on the other end, and its phase.
/// </summary>
public sealed record LineDialog(string Extension, string CallId, bool Initiator, LinePhase Phase, string? Remote)
{
    public string? LocalTag { get; init; }

    public string? RemoteTag { get; init; }

    /// <summary>A stable id for dialog-info (<c>dialog id=</c>).</summary>
    public string Id => $"{CallId}:{Extension}";
}

/// <summary>
/// What every extension's phone is doing: ringing, on a call, idle — fed by the proxy (calls phone to phone) and the
/// calls Anchor holds (anchored and trunk calls), read by hunt groups (skip busy members), busy lamps (RFC 4235
/// NOTIFYs) and pickup (which call rings at 102). A dialog leaves when it terminates. A proxied call whose BYE never
/// passes Anchor (a phone that lost power) would stay confirmed: entries older than <see cref="StaleAfter"/> are
/// dropped when read.
/// </summary>
public sealed class Lines
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(8);

    // By extension, then Call-ID: reading one extension's lines never walks the others'.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, (LineDialog Dialog, DateTimeOffset Since)>> _byExtension = new(StringComparer.Ordinal);

    // The extensions each call touches, for EndCall (a BYE through the proxy names only the Call-ID).
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _byCall = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public Lines(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Raised on every change (terminated included), outside any lock.</summary>
    public event Action<LineDialog>? Changed;

    /// <summary>Records a dialog's new phase; a terminated one is forgotten. A phase never goes back (a late 180 after the 200).</summary>
    public void Set(LineDialog d)
    {
        var lines = _byExtension.GetOrAdd(d.Extension, _ => new(StringComparer.Ordinal));
        if (d.Phase == LinePhase.Terminated)
        {
            if (lines.TryRemove(d.CallId, out var old))
            {
                Forget(d.CallId, d.Extension);
                Changed?.Invoke(d with { LocalTag = d.LocalTag ?? old.Dialog.LocalTag, RemoteTag = d.RemoteTag ?? old.Dialog.RemoteTag, Remote = d.Remote ?? old.Dialog.Remote });
            }

            return;
        }

        bool changed = false;
        LineDialog merged = d;
        lines.AddOrUpdate(d.CallId, _ =>
        {
            changed = true;
            return (d, _time.GetUtcNow());
        }, (_, old) =>
        {
            if (old.Dialog.Phase >= d.Phase)
            {
                changed = false;
                merged = old.Dialog;
                return old;
            }

            changed = true;
            merged = d with { LocalTag = d.LocalTag ?? old.Dialog.LocalTag, RemoteTag = d.RemoteTag ?? old.Dialog.RemoteTag, Remote = d.Remote ?? old.Dialog.Remote };
            return (merged, old.Since);
        });
        _byCall.GetOrAdd(d.CallId, _ => new(StringComparer.Ordinal))[d.Extension] = 0;
        if (changed)
        {
            Changed?.Invoke(merged);
        }
    }

    /// <summary>Every dialog of a call (a BYE went through): terminated for each extension in it.</summary>
    public void EndCall(string callId)
    {
        if (!_byCall.TryGetValue(callId, out var extensions))
        {
            return;
        }

        foreach (string ext in extensions.Keys.ToArray())
        {
            if (_byExtension.TryGetValue(ext, out var lines) && lines.TryGetValue(callId, out var d))
            {
                Set(d.Dialog with { Phase = LinePhase.Terminated });
            }
        }
    }

    /// <summary>The extension's current dialogs.</summary>
    public IReadOnlyList<LineDialog> Of(string extension)
    {
        if (!_byExtension.TryGetValue(extension, out var lines) || lines.IsEmpty)
        {
            return [];
        }

        DateTimeOffset stale = _time.GetUtcNow() - StaleAfter;
        var list = new List<LineDialog>(lines.Count);
        foreach (var kv in lines)
        {
            if (kv.Value.Since < stale)
            {
                if (lines.TryRemove(kv))
                {
                    Forget(kv.Key, extension);
                }

                continue;
            }

            list.Add(kv.Value.Dialog);
        }

        return list;
    }

    /// <summary>On a call or placing one: what makes a hunt group skip the member (a phone that only rings is not busy).</summary>
    public bool Busy(string extension) => Of(extension).Any(d => d.Phase == LinePhase.Confirmed || d.Initiator);

    /// <summary>A dialog in which the extension's phone is being rung (pickup's target), if any.</summary>
    public LineDialog? Ringing(string extension) => Of(extension).FirstOrDefault(d => !d.Initiator && d.Phase is LinePhase.Trying or LinePhase.Early);

    /// <summary>Whether <paramref name="extension"/> has a dialog in call <paramref name="callId"/> that is still ringing.</summary>
    public bool RingsIn(string extension, string callId) =>
        _byExtension.TryGetValue(extension, out var lines) && lines.TryGetValue(callId, out var d) && !d.Dialog.Initiator && d.Dialog.Phase < LinePhase.Confirmed;

    /// <summary>The extensions with a dialog in call <paramref name="callId"/>.</summary>
    public IReadOnlyCollection<string> In(string callId) => _byCall.TryGetValue(callId, out var e) ? (IReadOnlyCollection<string>)e.Keys : [];

    private void Forget(string callId, string extension)
    {
        if (_byCall.TryGetValue(callId, out var set))
        {
            set.TryRemove(extension, out _);
            if (set.IsEmpty)
            {
                _byCall.TryRemove(new KeyValuePair<string, ConcurrentDictionary<string, byte>>(callId, set));
            }
        }
    }
}
