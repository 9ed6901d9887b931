using Anchor.Pbx.Calls;

namespace Anchor.Pbx.Applications;

/// <summary>
/// A named piece of the PBX that owns a call from the router's decision on (Asterisk's lesson: a feature is an
/// application run on a channel). It answers, dials, bridges, plays, collects keys and hangs up through the
/// <see cref="Call"/> and its legs, never through a socket. <see cref="RunAsync"/> runs on the call's gate: every
/// continuation of its awaits comes back into it, so an application is written straight, with no locks.
/// </summary>
public abstract class Application
{
    /// <summary>The name the log and the call records use ("Dial", "Echo").</summary>
    public abstract string Name { get; }

    /// <summary>Runs the call; returning (or the call ending) finishes the application.</summary>
    public abstract Task RunAsync(Call call);
}
