using System.Text;
using Anchor.Sip.Message;

namespace Anchor.Sip.Dialogs;

/// <summary>
/// What a dialog is found by on Anchor's side (RFC 3261 §12): the Call-ID and Anchor's own tag. Anchor's tags are
/// random, so the pair is unique without the remote tag, which lets one key serve the early dialogs of every fork.
/// Compared byte for byte (ordinal), as §12 says.
/// </summary>
public readonly record struct DialogId(string CallId, string LocalTag)
{
    /// <summary>The dialog an incoming in-dialog request names: Anchor's tag is its To tag, whichever side Anchor is on.</summary>
    public static DialogId OfRequest(SipMessage request) => new(request.CallIdString, Encoding.UTF8.GetString(request.To.Tag));

    /// <summary>The dialog a response to Anchor's own request belongs to: Anchor's tag is the From tag.</summary>
    public static DialogId OfResponse(SipMessage response) => new(response.CallIdString, Encoding.UTF8.GetString(response.From.Tag));

    public override string ToString() => CallId + ";" + LocalTag;
}
