using Anchor.Media.Audio;
using Anchor.Pbx.Calls;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Voicemail;

/// <summary>How a deposit ended.</summary>
public enum DepositResult
{
    Stored,
    TooShort,
    Refused,
    ToOperator,
    HungUpEarly,
}

/// <summary>
/// Leaving a message (Asterisk's VoiceMail(), the SPA9000's Cfwd to vm): the mailbox's greeting (the recorded one, or
/// "the person at extension 1 0 1 is not available"), "please leave your message after the tone", the beep, then the
/// recording until #, hang-up, the mailbox's maximum or 10 s of silence. A message under a second is dropped; 0 during
/// the greeting goes to the operator when there is one. A disk without room refuses the message with a prompt.
/// </summary>
public static class VoicemailDeposit
{
    public static readonly TimeSpan MinimumMessage = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan SilenceEnds = TimeSpan.FromSeconds(10);

    public static async Task<DepositResult> RunAsync(IPrompter voice, Mailboxes boxes, string mailbox, string caller, string? callerName, bool hasOperator,
        ILogger log)
    {
        var options = boxes.Options(mailbox);
        if (!boxes.HasRoomFor(options.MaxMessage))
        {
            log.LogError("Voicemail for {Mailbox} refused: the disk holding {Root} is full", mailbox, boxes.Root);
            await voice.SayAsync("mailbox-full", "goodbye");
            return DepositResult.Refused;
        }

        char? key = boxes.HasGreeting(mailbox)
            ? await voice.PlayAsync(new ClipSource(WavFile.Read(boxes.GreetingFile(mailbox))))
            : await voice.SayAsync(["person-at-extension", .. voice.Prompts.Digits(mailbox), "is-not-available"]);
        if (key is null)
        {
            key = await voice.SayAsync("please-leave-message");
        }

        if (key == '0' && hasOperator)
        {
            return DepositResult.ToOperator;
        }

        await voice.PlayAsync(new ClipSource(Tones.Beep), bargeIn: false);
        (var recording, RecordEnd end, TimeSpan trim) = await voice.RecordAsync(options.MaxMessage, SilenceEnds);
        TimeSpan length = recording.Duration - trim;
        if (length < MinimumMessage)
        {
            log.LogInformation("Voicemail for {Mailbox} from {Caller}: {Seconds:0.0} s is too short; dropped", mailbox, caller, length.TotalSeconds);
            if (end != RecordEnd.HungUp)
            {
                await voice.SayAsync("goodbye");
            }

            return end == RecordEnd.HungUp ? DepositResult.HungUpEarly : DepositResult.TooShort;
        }

        VoiceMessage? stored = await boxes.DepositAsync(mailbox, recording, trim, caller, callerName);
        if (end != RecordEnd.HungUp)
        {
            await voice.SayAsync(stored is null ? "not-available-try-later" : "message-saved", "goodbye");
        }

        return stored is null ? DepositResult.Refused : DepositResult.Stored;
    }
}
