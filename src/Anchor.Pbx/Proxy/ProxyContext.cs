using Anchor.Sip.Message;
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

    /// <summary>The lowest status made up for a branch that timed out (408) or could not be reached (480); 0 when none.</summary>
    public int SyntheticStatus { get; set; }

    /// <summary>The best 3xx–6xx response so far, as received (our Via still on top).</summary>
    public SipMessage? Best { get; set; }

    /// <summary>§16.7 step 6: 6xx beats everything; otherwise the lowest class wins; the first of a class stays.</summary>
    public void Consider(SipMessage response)
    {
        if (Best is null)
        {
            Best = response;
            return;
        }

        int best = Best.StatusCode, s = response.StatusCode;
        if (best >= 600)
        {
            return;
        }

        if (s >= 600 || s / 100 < best / 100)
        {
            Best = response;
        }
    }
}
