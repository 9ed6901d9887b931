using System.Diagnostics.Metrics;
using Anchor.Sip.Message;

namespace Anchor.Sip.Transport;

/// <summary>
/// The SIP stack's instruments (meter <c>Anchor.Sip</c>): messages in and out by method or status. A message costs one
/// interlocked increment in a table (by method, by status code); the counters are read from the table only when a
/// listener collects them (a scrape of /metrics), not pushed through the metrics pipeline for every message.
/// </summary>
public static class SipMetrics
{
    public const string MeterName = "Anchor.Sip";
    private const int Methods = (int)SipMethod.Publish + 1; // SipMethod.Unknown counts as "other"
    private const int Codes = 700; // 100-699; 0 counts every other status as "other"
    private static readonly Meter Meter = new(MeterName);
    private static readonly string[] Statuses = Enumerable.Range(0, Codes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    private static readonly Table ReceivedTable = new();
    private static readonly Table SentTable = new();

    static SipMetrics()
    {
        Meter.CreateObservableCounter("anchor.sip.received", ReceivedTable.Measurements, "{message}", "SIP messages received, by method or status");
        Meter.CreateObservableCounter("anchor.sip.sent", SentTable.Measurements, "{message}", "SIP messages sent, by method or status");
    }

    internal static void OnReceived(SipMessage m)
    {
        if (m.IsRequest)
        {
            ReceivedTable.Method(m.Method);
        }
        else
        {
            ReceivedTable.Status(m.StatusCode);
        }
    }

    internal static void OnSent(ReadOnlySpan<byte> message)
    {
        if (message.Length < 12)
        {
            return;
        }

        if (message.StartsWith("SIP/2.0 "u8))
        {
            SentTable.Status(((message[8] - '0') * 100) + ((message[9] - '0') * 10) + (message[10] - '0'));
            return;
        }

        int space = message.IndexOf((byte)' ');
        SentTable.Method(space > 0 ? SipMethods.Lookup(message[..space]) : SipMethod.Unknown);
    }

    private sealed class Table
    {
        private readonly long[] _methods = new long[Methods];
        private readonly long[] _statuses = new long[Codes];

        public void Method(SipMethod m) => Interlocked.Increment(ref _methods[(int)m < Methods ? (int)m : 0]);

        public void Status(int code) => Interlocked.Increment(ref _statuses[code is >= 100 and < Codes ? code : 0]);

        public IEnumerable<Measurement<long>> Measurements()
        {
            for (int i = 0; i < Methods; i++)
            {
                long n = Volatile.Read(ref _methods[i]);
                if (n > 0)
                {
                    yield return new(n, new KeyValuePair<string, object?>("method", i == 0 ? "other" : SipMethods.Name((SipMethod)i)));
                }
            }

            for (int i = 0; i < Codes; i++)
            {
                long n = Volatile.Read(ref _statuses[i]);
                if (n > 0)
                {
                    yield return new(n, new KeyValuePair<string, object?>("status", i == 0 ? "other" : Statuses[i]));
                }
            }
        }
    }
}
