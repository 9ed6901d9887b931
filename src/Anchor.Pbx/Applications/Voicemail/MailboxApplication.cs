using Anchor.Pbx.Calls;
using Anchor.Pbx.Voicemail;

namespace Anchor.Pbx.Applications.Voicemail;

/// <summary>
/// Listening to voicemail: <c>*97</c> opens the caller's own mailbox, <c>*98</c> (<paramref name="mailbox"/> null) asks
/// which. Every wrong PIN counts as a failed authentication of that mailbox from the caller's address.
/// </summary>
public sealed class MailboxApplication(string? mailbox) : Application
{
    public override string Name => "VoicemailMain";

    public override async Task RunAsync(Call call)
    {
        if (call.Host.Mailboxes is not { } boxes || LocalAnswer.Answer(call) is not { } voice)
        {
            call.End(EndReason.Unavailable, "no voicemail", 480, "Temporarily Unavailable");
            return;
        }

        var menu = new VoicemailMenu(voice, boxes, call.Host.Zone);
        menu.LoggedIn += box => call.Note($"voicemail {box}: logged in");
        var source = call.Caller.Destination.EndPoint;
        string? box = await menu.RunAsync(mailbox, failed =>
        {
            call.Note($"wrong PIN for mailbox {failed}");
            call.Host.Guard?.OnAuthFailure(source, "vm" + failed);
        });
        call.End(EndReason.ApplicationEnded, box is null ? "voicemail: login failed" : $"voicemail {box} done");
    }
}
