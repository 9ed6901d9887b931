using Anchor.Pbx.Voicemail;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Anchor.Http;

/// <summary>A mailbox's messages from the API: the list, each message's audio (WAV), and deleting one (the phone's lamp follows).</summary>
internal static class VoicemailEndpoints
{
    public sealed record MessageView(string Id, string Caller, string? CallerName, DateTimeOffset Received, double Seconds, bool Saved, string Audio);

    public static void Map(RouteGroupBuilder api, SipServer sip)
    {
        api.MapGet("/voicemail/{mailbox}", (string mailbox) => Box(sip, mailbox) is { } boxes
            ? Results.Ok(boxes.Messages(mailbox).Select(m => new MessageView(m.Id, m.Caller, m.CallerName, m.Received, Math.Round(m.Duration.TotalSeconds, 1), m.Saved,
                $"/api/voicemail/{mailbox}/{m.Id}.wav")).ToList())
            : NoMailbox(mailbox));

        api.MapGet("/voicemail/{mailbox}/{id}.wav", (string mailbox, string id) =>
        {
            if (Box(sip, mailbox) is not { } boxes)
            {
                return NoMailbox(mailbox);
            }

            // Only a message the mailbox lists, by its id: never a path from the request.
            return boxes.Messages(mailbox).FirstOrDefault(m => m.Id == id) is { } message && File.Exists(boxes.FileOf(message))
                ? Results.File(boxes.FileOf(message), "audio/wav", $"{mailbox}-{message.Received:yyyyMMdd-HHmmss}.wav")
                : NoMessage(mailbox, id);
        });

        api.MapDelete("/voicemail/{mailbox}/{id}", (string mailbox, string id) =>
        {
            if (Box(sip, mailbox) is not { } boxes)
            {
                return NoMailbox(mailbox);
            }

            if (boxes.Messages(mailbox).FirstOrDefault(m => m.Id == id) is not { } message)
            {
                return NoMessage(mailbox, id);
            }

            boxes.Delete(message);
            return Results.NoContent();
        });
    }

    private static Mailboxes? Box(SipServer sip, string mailbox) => sip.Mailboxes is { } boxes && boxes.Exists(mailbox) ? boxes : null;

    private static IResult NoMailbox(string mailbox) => Api.NotFound("mailbox", $"no mailbox {mailbox}");

    private static IResult NoMessage(string mailbox, string id) => Api.NotFound("id", $"no message {id} in mailbox {mailbox}");
}
