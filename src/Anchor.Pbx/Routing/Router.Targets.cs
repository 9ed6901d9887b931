using Anchor.Pbx.Applications;
using Anchor.Pbx.Applications.AutoAttendant;
using Anchor.Pbx.Applications.Dial;
using Anchor.Pbx.Applications.Hunt;
using Anchor.Pbx.Applications.Voicemail;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Hunting;
using Anchor.Pbx.Location;
using Anchor.Pbx.Model;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Routing;

/// <summary>Where a call for a number Anchor owns goes: forwarding, do-not-disturb, hunt groups, mailboxes.</summary>
public sealed partial class Router
{
    /// <summary>Forwards (and groups) one call may pass through before it is refused as a loop (482).</summary>
    public const int HopLimit = 5;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, HuntCursor> _cursors = new(StringComparer.Ordinal);

    /// <summary>
    /// One step of routing a call: the snapshot it started with, who called what, whether the result may still be
    /// proxied (the caller's INVITE is Anchor's to forward, not yet in an application), and the numbers the call has
    /// been through (a loop stops at the first repeat).
    /// </summary>
    private sealed record Hop(PbxSnapshot Config, CallInfo Info, bool MayProxy)
    {
        public List<string> Path { get; init; } = [];

        /// <summary>How the log names where the call came from ("internal", "DID 15551230000").</summary>
        public string Origin { get; init; } = "internal";
    }

    /// <summary>
    /// A call sent on by extension <paramref name="from"/> to <paramref name="user"/> — its phone answered 3xx, or it
    /// transferred the call: routed as <paramref name="from"/>'s forward (its classes apply to an outside number).
    /// </summary>
    public RouteDecision OnBehalf(CallInfo info, string from, string user) =>
        ToForward(new Hop(_config.Current, info, MayProxy: false) { Path = [from] }, from, user);

    /// <summary>A number in the one syntax, or an outside number dialled on behalf of <paramref name="forwarder"/> (its classes apply).</summary>
    private RouteDecision ToForward(Hop h, string forwarder, string text)
    {
        if (IsPark(h.Config, text, out string? slot))
        {
            return ToPark(h, forwarder, slot);
        }

        if (h.Config.Resolve(text) is { } target)
        {
            return ToTarget(h, target);
        }

        _log.LogInformation("Forward of {Extension} to outside number {Number}: through the dial plan as {Extension}", forwarder, text, forwarder);
        return Outbound(h.Config, forwarder, text, h.Info);
    }

    private RouteDecision ToTarget(Hop h, Target target)
    {
        PbxSnapshot config = h.Config;
        switch (target.Kind)
        {
            case TargetKind.Extension:
                return config.Extensions.TryGetValue(target.Number, out Extension? ext) ? ToExtension(h, ext) : new RejectDecision(404, "Not Found");
            case TargetKind.HuntGroup when config.HuntGroups.TryGetValue(target.Number, out HuntGroup? group):
                return Enter(h, group.Number) is { } loop ? loop : new ApplicationDecision(Hunt(h, group), h.Info with { Dialed = group.Number }, false);
            case TargetKind.AutoAttendant when config.AutoAttendants.TryGetValue(target.Number, out Attendant? aa):
                return new ApplicationDecision(new AutoAttendantApplication(aa, Modes), h.Info with { Dialed = aa.Number }, false);
            case TargetKind.Mailbox when Mwi is not null && config.Mailboxes.Contains(target.Number):
                return new ApplicationDecision(new DepositApplication(target.Number), h.Info with { Dialed = target.ToString() }, false);
            default:
                return new RejectDecision(480, "Temporarily Unavailable");
        }
    }

    /// <summary>
    /// A call for an extension: do-not-disturb (the busy treatment), forward always (followed at once), else its
    /// phones ring — proxied when it may be, else by the Dial application — with its busy and no-answer forwards (or
    /// its mailbox) decided when they happen.
    /// </summary>
    private RouteDecision ToExtension(Hop h, Extension ext)
    {
        if (Enter(h, ext.Number) is { } loop)
        {
            return loop;
        }

        ForwardState f = Settings.For(ext);
        CallInfo info = h.Info with { Dialed = ext.Number };
        if (f.Dnd)
        {
            _log.LogInformation("Call from {Caller} to {Extension}: do not disturb", info.Caller, ext.Number);
            return Mailbox(ext, info) ?? (RouteDecision)new RejectDecision(486, "Busy Here (do not disturb)");
        }

        if (f.Always is { } always)
        {
            _log.LogInformation("Call from {Caller} to {Extension}: forwarded to {Target}", info.Caller, ext.Number, always);
            return ToForward(h with { Info = info }, ext.Number, always);
        }

        Hop later = h with { MayProxy = false, Info = info };
        Func<RouteDecision>? onBusy = f.Busy is { } busy ? () => ToForward(later, ext.Number, busy) : MailboxLater(ext, info);
        Func<RouteDecision>? onNoAnswer = f.NoAnswerTarget is { } na ? () => ToForward(later, ext.Number, na) : MailboxLater(ext, info);
        TimeSpan after = f.NoAnswerTarget is not null ? f.NoAnswer : onNoAnswer is not null ? ext.Mailbox.NoAnswer : TimeSpan.Zero;
        IReadOnlyList<Binding> bindings = _location.Lookup(ext.Number);
        if (bindings.Count == 0)
        {
            PbxLog.NotRegistered(_log, "INVITE", info.Caller, ext.Number);
            return onNoAnswer?.Invoke() ?? new RejectDecision(480, "Temporarily Unavailable");
        }

        bool anchored = Anchored(info, bindings);
        if (h.MayProxy && !anchored)
        {
            return new ProxyDecision(ext.Number, bindings, onBusy, onNoAnswer, after);
        }

        PbxLog.Ringing(_log, info.Caller, h.Origin, ext.Number, bindings.Count);
        DialRequest dial = Request(info, [ext.Number], ext.Number, bindings.Select(b => (ext.Number, b))) with
        {
            Anchored = anchored,
            NoAnswer = after,
            Fallback = onNoAnswer is null ? null : new RouteApplication("no answer", onNoAnswer),
            BusyFallback = onBusy is null ? null : new RouteApplication("busy", onBusy),
        };
        return new ApplicationDecision(new DialApplication(dial), info, false);
    }

    /// <summary>Records <paramref name="number"/> on the call's path: a repeat, or a path longer than <see cref="HopLimit"/>, is a 482.</summary>
    private RejectDecision? Enter(Hop h, string number)
    {
        if (h.Path.Contains(number))
        {
            _log.LogWarning("Forwarding loop for the call from {Caller}: {Path} -> {Number}; refused", h.Info.Caller, string.Join(" -> ", h.Path), number);
            return new RejectDecision(482, "Loop Detected (forwarding)");
        }

        h.Path.Add(number);
        if (h.Path.Count > HopLimit)
        {
            _log.LogWarning("Forwarding of the call from {Caller} passed {Limit} numbers ({Path}); refused", h.Info.Caller, HopLimit, string.Join(" -> ", h.Path));
            return new RejectDecision(482, "Loop Detected (too many forwards)");
        }

        return null;
    }

    /// <summary>The hunt for <paramref name="group"/>: its members' phones (never their forwards or mailboxes), then its fallback.</summary>
    private HuntApplication Hunt(Hop h, HuntGroup group)
    {
        PbxSnapshot config = h.Config;
        var members = new List<string>();
        foreach (string m in group.Members)
        {
            // One level deep, as on the SPA9000: a member group's extensions, not its groups.
            IEnumerable<string> expanded = config.HuntGroups.TryGetValue(m, out HuntGroup? inner) && inner != group
                ? inner.Members.Where(config.Extensions.ContainsKey)
                : [m];
            members.AddRange(expanded.Where(e => config.Extensions.ContainsKey(e) && !members.Contains(e)));
        }

        HuntCursor cursor = _cursors.GetOrAdd(group.Number, _ => new HuntCursor());
        string display = group.CallerIdPrefix ? $"{group.Name ?? group.Number}: {h.Info.CallerDisplay}" : h.Info.CallerDisplay;
        CallInfo info = h.Info with { Dialed = group.Number };
        Hop after = h with { MayProxy = false, Info = info };
        return new HuntApplication(group, members, cursor, new HuntRinger(this, config, info, display, group),
            group.Fallback is { } fb ? () => ToForward(after, group.Number, fb) : null);
    }

    /// <summary>How a hunt rings its members: their registered phones, unless busy or in do-not-disturb (<see cref="HuntGroup.RingBusy"/> aside).</summary>
    private sealed class HuntRinger(Router router, PbxSnapshot config, CallInfo info, string display, HuntGroup group) : IHuntRinger
    {
        public bool Available(string member, out string why)
        {
            why = "";
            if (!config.Extensions.TryGetValue(member, out Extension? ext))
            {
                why = "not an extension";
                return false;
            }

            if (router._location.Lookup(member).Count == 0)
            {
                why = "not registered";
                return false;
            }

            if (!group.RingBusy && router.Settings.For(ext).Dnd)
            {
                why = "do not disturb";
                return false;
            }

            if (!group.RingBusy && router.Lines.Busy(member))
            {
                why = "busy";
                return false;
            }

            return true;
        }

        public DialRequest Request(IReadOnlyList<string> members) =>
            router.Request(info with { CallerDisplay = display }, members, group.ToString(),
                members.SelectMany(m => router._location.Lookup(m).Select(b => (m, b)))) with
            {
                Anchored = router.Anchored(info, members.SelectMany(router._location.Lookup)),
            };
    }

    /// <summary>
    /// Whether the call's media goes through Anchor: every trunk call (unless Never); internal ones with Media:Anchor =
    /// Always, or with Auto when the caller or a phone rung is away from the office LAN (a remote worker behind its own
    /// NAT would otherwise be given a LAN address it cannot reach, and the LAN phone the remote one's private address).
    /// </summary>
    private bool Anchored(CallInfo info, IEnumerable<Binding> called) =>
        _relay && (info.Trunk is not null || info.Direction != CallDirection.Internal
            ? _options.MediaAnchoring != MediaAnchoring.Never
            : _options.MediaAnchoring == MediaAnchoring.Always
              || (_options.MediaAnchoring == MediaAnchoring.Auto && (info.CallerAway || called.Any(IsAway))));

    /// <summary>A registered phone is away when its REGISTER came from outside the LAN or from another address than its Contact's.</summary>
    private bool IsAway(Binding b) =>
        _options.Networks.IsAway(b.Source.EndPoint.Address, SipUri.TryParse(System.Text.Encoding.UTF8.GetBytes(b.ContactUri), out SipUri uri) ? uri.HostString : null);

    private bool IsAway(SipMessage req, System.Net.IPEndPoint source) =>
        _options.Networks.IsAway(source.Address, req.TryGetContact(out NameAddress contact) && !contact.IsStar ? contact.Uri.HostString : null);

    /// <summary>The extension's mailbox for a call that finds nobody, when it has one.</summary>
    private ApplicationDecision? Mailbox(Extension ext, CallInfo info) =>
        Mwi is not null && ext.Mailbox.Enabled ? new ApplicationDecision(new DepositApplication(ext.Number), info, false) : null;

    private Func<RouteDecision>? MailboxLater(Extension ext, CallInfo info) =>
        Mwi is not null && ext.Mailbox.Enabled ? () => Mailbox(ext, info)! : null;

    /// <summary>Ringing phones of the office for the call's caller: one INVITE per contact, To the number dialled.</summary>
    private DialRequest Request(CallInfo info, IReadOnlyList<string> extensions, string calleeName, IEnumerable<(string Extension, Binding Binding)> contacts)
    {
        var list = contacts.ToList();
        return new DialRequest
        {
            Targets = list.Select(c => new InviteTarget(c.Binding.ContactUri, c.Binding.Target)).ToArray(),
            TargetExtensions = list.Select(c => c.Extension).ToArray(),
            CalleeName = calleeName,
            From = $"\"{info.CallerDisplay.Replace("\"", "", StringComparison.Ordinal)}\" <sip:{info.Caller}@{_options.Domain}>",
            To = $"<sip:{info.Dialed}@{_options.Domain}>",
            ContactUser = info.Caller,
        };
    }
}
