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
    }

    public void Dispose() => _meter.Dispose();
}
