using System.Diagnostics.Metrics;
using Anchor.Sip.Message;

namespace Anchor.Sip.Transport;

/// <summary>
/// The SIP stack's instruments (meter <c>Anchor.Sip</c>): messages in and out by method or status. With no listener an
/// <see cref="Counter{T}.Add(T)"/> costs a check; with one, a tag list on the stack (nothing allocated).
/// </summary>
public static class SipMetrics
{
    public const string MeterName = "Anchor.Sip";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Received = Meter.CreateCounter<long>("anchor.sip.received", "{message}", "SIP messages received, by method or status");
    private static readonly Counter<long> Sent = Meter.CreateCounter<long>("anchor.sip.sent", "{message}", "SIP messages sent, by method or status");
    private static readonly string[] Statuses = Enumerable.Range(0, 700).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    internal static void OnReceived(SipMessage m)
    {
        if (Received.Enabled)
        {
            Received.Add(1, m.IsRequest ? new KeyValuePair<string, object?>("method", MethodName(m.Method)) : new KeyValuePair<string, object?>("status", Status(m.StatusCode)));
        }
    }

    internal static void OnSent(ReadOnlySpan<byte> message)
    {
        if (!Sent.Enabled || message.Length < 12)
        {
            return;
        }

        if (message.StartsWith("SIP/2.0 "u8))
        {
            int code = ((message[8] - '0') * 100) + ((message[9] - '0') * 10) + (message[10] - '0');
            Sent.Add(1, new KeyValuePair<string, object?>("status", Status(code)));
            return;
        }

        int space = message.IndexOf((byte)' ');
        Sent.Add(1, new KeyValuePair<string, object?>("method", space > 0 ? MethodName(SipMethods.Lookup(message[..space])) : "other"));
    }

    private static string Status(int code) => code is >= 100 and < 700 ? Statuses[code] : "other";

    private static string MethodName(SipMethod m) => m == SipMethod.Unknown ? "other" : SipMethods.Name(m);
}
