using Anchor.Pbx.Calls;
using Anchor.Pbx.Records;
using Xunit;

namespace Anchor.Pbx.Tests.Records;

public class DiagnosisTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static CallRecord Call(params LegMedia[] media) => new()
    {
        Id = "x",
        Start = T0,
        Answer = T0.AddSeconds(3),
        End = T0.AddSeconds(33),
        From = "101",
        To = "14085551212",
        Dialed = "914085551212",
        Direction = CallDirection.Outbound,
        EndReason = EndReason.CallerHungUp,
        SipStatus = 200,
        HungUpBy = "caller",
        Media = media,
    };

    [Fact]
    public void A_party_that_never_sent_is_named_with_the_address_its_sdp_gave()
    {
        IReadOnlyList<string> said = Diagnosis.Of(Call(
            new LegMedia("101", "192.168.1.20:4000", null, 0, 0, 0, 0),
            new LegMedia("itsp", "203.0.113.5:30000", "203.0.113.5:30000", 1500, 1500, 0, 2)));
        Assert.Equal(["no audio from 101: its SDP said 192.168.1.20:4000 but no packet ever arrived — a firewall or NAT on 101's side"], said);
    }

    [Fact]
    public void A_nat_loss_jitter_and_a_hijack_attempt_each_get_their_sentence()
    {
        IReadOnlyList<string> said = Diagnosis.Of(Call(new LegMedia("102", "10.0.0.7:5004", "198.51.100.9:61000", 900, 900, 100, 45.2, Rejected: 12)));
        Assert.Equal(4, said.Count);
        Assert.Contains("102's audio came from 198.51.100.9:61000, not from 10.0.0.7:5004", said[0], StringComparison.Ordinal);
        Assert.Contains("lost 10% of its packets", said[1], StringComparison.Ordinal);
        Assert.Contains("jitter 45 ms", said[2], StringComparison.Ordinal);
        Assert.StartsWith("12 packets from an unexpected address were dropped on 102's port", said[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Audio_that_starts_late_is_said_with_its_delay()
    {
        IReadOnlyList<string> said = Diagnosis.Of(Call(new LegMedia("itsp", "203.0.113.5:30000", "203.0.113.5:30000", 1100, 1100, 0, 2, FirstAudioSeconds: 8.2)));
        Assert.Equal(["itsp sent audio only 8 s after the answer: the first seconds were silent (a slow media path, or a NAT that opened late)"], said);
        Assert.Empty(Diagnosis.Of(Call(new LegMedia("itsp", "203.0.113.5:30000", "203.0.113.5:30000", 1500, 1500, 0, 2, FirstAudioSeconds: -1.5))));
    }

    [Fact]
    public void A_healthy_call_and_an_unanswered_one_say_nothing()
    {
        Assert.Empty(Diagnosis.Of(Call(new LegMedia("101", "127.0.0.1:4000", "127.0.0.1:4000", 1500, 1500, 2, 1.1))));
        Assert.Empty(Diagnosis.Of(Call(new LegMedia("101", "127.0.0.1:4000", null, 0, 0, 0, 0)) with { Answer = null, SipStatus = 486 }));
    }
}
