using Anchor.Pbx.Applications;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Location;

namespace Anchor.Pbx.Routing;

/// <summary>What the router decided for one initial request: exactly one of proxy it, give it to an application, or refuse it.</summary>
public abstract record RouteDecision;

/// <summary>Proxy the request to the extension's registered contacts (phone to phone, Figure 1).</summary>
public sealed record ProxyDecision(string Target, IReadOnlyList<Binding> Bindings) : RouteDecision;

/// <summary>
/// Anchor answers the request as a user agent and runs <paramref name="Application"/> on the call.
/// <paramref name="Release"/> gives back what the router took for it (a trunk slot, an outbound call of the extension).
/// </summary>
public sealed record ApplicationDecision(Application Application, CallInfo Info, bool CallerFacesTrunk, Action? Release = null) : RouteDecision;

/// <summary>Refuse with this status.</summary>
public sealed record RejectDecision(int Status, string Reason) : RouteDecision;
