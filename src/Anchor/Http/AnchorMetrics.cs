using System.Diagnostics.Metrics;
using Anchor.Pbx.Trunks;

namespace Anchor.Http;

/// <summary>
/// Anchor's metrics (System.Diagnostics.Metrics, exported for Prometheus at /metrics by OpenTelemetry): observed from
/// the PBX's own state at each scrape, so nothing on a hot path pays for them.
/// </summary>
internal sealed class AnchorMetrics : IDisposable
{
    public const string MeterName = "Anchor";
    private readonly Meter _meter = new(MeterName);

    public AnchorMetrics(SipServer sip)
    {
        _meter.CreateObservableGauge("anchor.registrations", () => sip.Location?.All().Count ?? 0, "{binding}", "Registered contacts");
        _meter.CreateObservableGauge("anchor.calls.active", () => (sip.Calls?.ActiveCalls ?? 0) + (sip.Records?.Proxied.Active.Count ?? 0), "{call}",
            "Calls in progress (held by Anchor or proxied)");
        _meter.CreateObservableCounter("anchor.call_records.written", () => sip.Records?.Written ?? 0, "{record}", "Call records committed since start");
        _meter.CreateObservableGauge("anchor.security.banned_sources", () => sip.Guard?.BannedSources ?? 0, "{source}", "Addresses banned now");
        _meter.CreateObservableGauge("anchor.trunk.registered", () => (sip.Snapshot?.Trunks.Values ?? []).Select(t =>
            new Measurement<int>(t.State == TrunkRegistrationState.Registered ? 1 : 0, new KeyValuePair<string, object?>("trunk", t.Name))),
            null, "1 while the trunk's registration holds");
        _meter.CreateObservableGauge("anchor.uptime", () => (DateTimeOffset.UtcNow - sip.StartedAt).TotalSeconds, "s", "Seconds since start");
        _meter.CreateObservableCounter("anchor.security.auth_failures", () => sip.Guard?.AuthFailures ?? 0, "{failure}", "Failed authentications (SIP digest, PIN, admin login)");
        _meter.CreateObservableCounter("anchor.sip.malformed", () => sip.Transport?.MalformedCount ?? 0, "{message}", "Malformed SIP messages answered 400 or dropped");
        _meter.CreateObservableCounter("anchor.sip.filtered", () => sip.Transport?.FilteredCount ?? 0, "{message}", "Datagrams and connections refused by the flood and ban filter");
        _meter.CreateObservableGauge("anchor.sip.traced_dialogs", () => sip.Trace.Dialogs, "{dialog}", "Dialogs whose messages are kept for the ladder");
        Counter<long> ended = _meter.CreateCounter<long>("anchor.calls.ended", "{call}", "Calls ended, by direction and end reason");
        Counter<long> rtp = _meter.CreateCounter<long>("anchor.rtp.packets", "{packet}", "RTP packets Anchor's relay received from the parties of ended calls");
        Counter<long> lost = _meter.CreateCounter<long>("anchor.rtp.lost", "{packet}", "RTP packets lost on the way to Anchor (ended calls)");
        _onEnded = r =>
        {
            ended.Add(1, new KeyValuePair<string, object?>("direction", r.Direction.ToString()), new KeyValuePair<string, object?>("reason", r.EndReason.ToString()));
            rtp.Add(r.Media.Sum(m => m.Packets));
            lost.Add(r.Media.Sum(m => m.Lost));
        };
        _sip = sip;
        if (sip.Records is { } records)
        {
            records.Ended += _onEnded;
        }
    }

    private readonly Action<Pbx.Records.CallRecord> _onEnded;
    private readonly SipServer _sip;

    public void Dispose()
    {
        if (_sip.Records is { } records)
        {
            records.Ended -= _onEnded;
        }

        _meter.Dispose();
    }
}
