using System.Net;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx;

/// <summary>
/// The PBX's log lines that can come once per request or per call (and, under attack, once per packet): written by
/// the logging source generator, so a disabled level costs one check and an enabled one no boxing or format parsing.
/// </summary>
internal static partial class PbxLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "{Method} from {From} to {To}: {Count} contact(s)")]
    public static partial void Forking(ILogger log, string method, string from, string to, int count);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "{Method} from {From} to {To}: not registered")]
    public static partial void NotRegistered(ILogger log, string method, string from, string to);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Security: in-dialog {Method} from {Source} refused: {Why}")]
    public static partial void InDialogRefused(ILogger log, string method, IPEndPoint source, string why);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Security: {Method} from {Source} refused: its Route set goes past Anchor outside any dialog")]
    public static partial void RouteBeyond(ILogger log, string method, IPEndPoint source);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "{Method} authentication failed for {User} from {Source}: {Reason}")]
    public static partial void AuthenticationFailed(ILogger log, string method, string? user, IPEndPoint source, string? reason);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "{Aor} registered {Contact} from {Source} for {Expires} s")]
    public static partial void Registered(ILogger log, string aor, string contact, Sip.Transport.SipEndPoint source, long expires);

    [LoggerMessage(EventId = 121, Level = LogLevel.Information, Message = "{Aor} unregistered {Contact}")]
    public static partial void Unregistered(ILogger log, string aor, string contact);

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "INVITE from {Caller} to {Dialed}: outbound as {Number} through trunk {Trunk}")]
    public static partial void Outbound(ILogger log, string caller, string dialed, string number, string trunk);

    [LoggerMessage(EventId = 131, Level = LogLevel.Information, Message = "INVITE from {Caller} ({What}) to {Target}: {Count} contact(s)")]
    public static partial void Ringing(ILogger log, string caller, string what, string target, int count);

    [LoggerMessage(EventId = 140, Level = LogLevel.Information, Message = "{Call}: answered")]
    public static partial void Answered(ILogger log, string call);

    [LoggerMessage(EventId = 141, Level = LogLevel.Information, Message = "{Call}: ended ({Reason}){Stats}")]
    public static partial void Ended(ILogger log, string call, string reason, string stats);

    [LoggerMessage(EventId = 142, Level = LogLevel.Information, Message = "{Call}: DTMF {Key} from {Party} ({How})")]
    public static partial void Dtmf(ILogger log, string call, char key, string party, string how);
}
