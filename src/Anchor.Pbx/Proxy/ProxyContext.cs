using Anchor.Sip.Dialogs;
using Anchor.Sip.Transactions;

namespace Anchor.Pbx.Proxy;

/// <summary>
/// A request being proxied statefully (§16): the server transaction upstream, its branches downstream, and the best
/// final response so far (§16.7 step 6). One lock guards it; sends happen inside it (they never block).
/// </summary>
internal sealed class ProxyContext
{
    public ProxyContext(ServerTransaction server) => Server = server;

    public ServerTransaction Server { get; }

    public List<ProxyBranch> Branches { get; } = [];

    public Lock Gate { get; } = new();

    /// <summary>A 2xx or 6xx went upstream, or the best final response did: nothing more but 2xx may follow.</summary>
    public bool Finished { get; set; }

    public bool Answered { get; set; }

    public bool CancelRequested { get; set; }

    /// <summary>Branches are still being created: a branch that fails at once must not end the search early.</summary>
    public bool Starting { get; set; } = true;

    /// <summary>What takes the call when every contact refuses as busy (a forward, the mailbox); null: the caller hears the best response.</summary>
    public Func<Routing.RouteDecision>? OnBusy { get; set; }

    /// <summary>What takes the call when the extension does not answer in time or cannot be reached.</summary>
    public Func<Routing.RouteDecision>? OnNoAnswer { get; set; }

    public SipTimer? NoAnswerTimer { get; set; }

    /// <summary>The server transaction went to an application (a forward, the mailbox, a pickup): a late 2xx is ACKed and hung up, never relayed.</summary>
    public bool HandedOver { get; set; }

    /// <summary>Who called whom, for an INVITE to an extension (busy lamps, pickup, hand-over); null otherwise.</summary>
    public Calls.CallInfo? Info { get; set; }

    /// <summary>The call's place in <see cref="Pickup.RingingCalls"/> while it rings.</summary>
    public IDisposable? Ringing { get; set; }

    /// <summary>The best final response so far, received or made up for branches that timed out or could not be reached.</summary>
    public BestResponse Best { get; } = new();
}
