using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Anchor.Sip.Uas;

/// <summary>
/// The smallest useful UAS on the stack: answers OPTIONS (§11.2) with Allow, Accept and Supported, and refuses every other
/// request as §8.2 says (405 with Allow for known methods, 501 for unknown ones). The registrar and proxy replace it.
/// </summary>
public sealed class OptionsUas : ITransactionUser
{
    private readonly ElementCapabilities _caps;
    private readonly ILogger _log;
    private long _answered;

    public OptionsUas(ElementCapabilities? capabilities = null, ILogger? log = null)
    {
        _caps = capabilities ?? new ElementCapabilities { Methods = new HashSet<SipMethod> { SipMethod.Options } };
        _log = log ?? NullLogger.Instance;
    }

    public long Answered => Interlocked.Read(ref _answered);

    public void OnRequest(ServerTransaction transaction)
    {
        SipMessage request = transaction.Request;
        CheckFailure? failure = transaction.IsMergedRequest
            ? new CheckFailure(482, "Loop Detected")
            : RequestChecks.CheckUas(request, _caps);
        if (failure is not null)
        {
            if (_log.IsEnabled(LogLevel.Debug))
            {
                SipLog.Refused(_log, SafeMethod(request), failure.Status, failure.Reason);
            }

            transaction.Respond(failure.Status, failure.Reason, failure.Headers);
            return;
        }

        // Only OPTIONS passes the checks with the default capabilities.
        Interlocked.Increment(ref _answered);
        transaction.Respond(200, "OK",
        [
            new("Allow", _caps.AllowHeader),
            new("Accept", _caps.AcceptHeader),
            new("Supported", _caps.SupportedHeader),
        ]);
    }

    public void OnAck(SipMessage ack, ReceivedFrom from, ServerTransaction? accepted)
    {
    }

    public void OnCancel(ServerTransaction invite, SipMessage cancel) => invite.Respond(487, "Request Terminated");

    public void OnStrayResponse(SipMessage response, ReceivedFrom from) =>
        SipLog.StrayResponse(_log, from.Remote);

    private static string SafeMethod(SipMessage m) => System.Text.Encoding.ASCII.GetString(m.MethodBytes);
}
