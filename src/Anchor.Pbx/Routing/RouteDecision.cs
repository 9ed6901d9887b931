using Anchor.Pbx.Applications;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Location;

namespace Anchor.Pbx.Routing;

/// <summary>What the router decided for one initial request: exactly one of proxy it, give it to an application, or refuse it.</summary>
public abstract record RouteDecision;

/// <summary>
/// Proxy the request to the extension's registered contacts (phone to phone, Figure 1). An INVITE that every contact
/// refuses as busy goes to <paramref name="OnBusy"/>; one not answered in <paramref name="NoAnswer"/> (zero: no limit),
/// or refused as unavailable, to <paramref name="OnNoAnswer"/> (the extension's forward or mailbox): decided when it
/// happens, and carried out on the same server transaction.
/// </summary>
public sealed record ProxyDecision(string Target, IReadOnlyList<Binding> Bindings, Func<RouteDecision>? OnBusy = null,
    Func<RouteDecision>? OnNoAnswer = null, TimeSpan NoAnswer = default) : RouteDecision;

/// <summary>
/// Anchor answers the request as a user agent and runs <paramref name="Application"/> on the call.
/// <paramref name="Release"/> gives back what the router took for it (a trunk slot, an outbound call of the extension).
/// </summary>
public sealed record ApplicationDecision(Application Application, CallInfo Info, bool CallerFacesTrunk, Action? Release = null) : RouteDecision;

/// <summary>Refuse with this status (and headers, such as Allow-Events with a 489).</summary>
public sealed record RejectDecision(int Status, string Reason, IReadOnlyList<KeyValuePair<string, string>>? Headers = null) : RouteDecision;

/// <summary>Anchor answers the request itself, outside any call (a subscription to a mailbox's state).</summary>
public sealed record LocalDecision(Action<Anchor.Sip.Transactions.ServerTransaction> Handle) : RouteDecision;
