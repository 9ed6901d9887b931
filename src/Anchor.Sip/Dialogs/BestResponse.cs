using Anchor.Sip.Message;

namespace Anchor.Sip.Dialogs;

/// <summary>
/// RFC 3261 §16.7 step 6, the choice of the final answer among a fork's branches, shared by the proxy and the forking
/// UAC: a 6xx beats everything; otherwise the lowest class wins; within a class the first stays, and a response that
/// was really received beats one made up for a branch that timed out (408) or could not be reached (480, 503).
/// </summary>
public sealed class BestResponse
{
    private int _rank = int.MaxValue;

    /// <summary>The chosen status, 0 while nothing has been considered.</summary>
    public int Status { get; private set; }

    /// <summary>The chosen response as received; null when the choice is a made-up status.</summary>
    public SipMessage? Response { get; private set; }

    public string Reason => Response is { } r ? System.Text.Encoding.UTF8.GetString(r.Reason) : ReasonPhrases.For(Status);

    /// <summary>A final (3xx–6xx) response from a branch.</summary>
    public void Consider(SipMessage response) => Consider(response.StatusCode, response);

    /// <summary>A status made up for a branch that ended without a response (timeout, unreachable).</summary>
    public void ConsiderSynthetic(int status) => Consider(status, null);

    private void Consider(int status, SipMessage? response)
    {
        if (status < 300)
        {
            return;
        }

        int cls = status >= 600 ? 0 : status / 100;
        int rank = (cls * 2) + (response is null ? 1 : 0);
        if (rank < _rank)
        {
            _rank = rank;
            Status = status;
            Response = response;
        }
    }
}
