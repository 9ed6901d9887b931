using System.Globalization;

namespace Anchor.Pbx.Records;

/// <summary>
/// What went wrong with a call's media, in plain words, from its record: the sentences an admin needs for the first
/// complaint of every PBX community (one-way audio) before opening a packet capture.
/// </summary>
public static class Diagnosis
{
    /// <summary>Audio lost beyond this share of a party's packets is worth a sentence.</summary>
    public const double LossWorthSaying = 0.05;

    public const double JitterWorthSayingMs = 30;

    /// <summary>A party whose first packet came this long after the answer left the other side in silence first.</summary>
    public const double LateAudioSeconds = 3;

    public static IReadOnlyList<string> Of(CallRecord r)
    {
        var said = new List<string>();
        if (r.Answer is not { } answered)
        {
            return said; // no media was expected
        }

        double talked = (r.End - answered).TotalSeconds;
        foreach (LegMedia m in r.Media)
        {
            if (m.Packets == 0)
            {
                if (talked >= 2)
                {
                    said.Add(m.Signalled is { } sdp
                        ? $"no audio from {m.Party}: its SDP said {sdp} but no packet ever arrived — a firewall or NAT on {m.Party}'s side"
                        : $"no audio from {m.Party}: it offered no address to send from and no packet arrived");
                }
            }
            else
            {
                if (m.Source is { } src && m.Signalled is { } sig && src != sig)
                {
                    said.Add($"{m.Party}'s audio came from {src}, not from {sig} as its SDP said (a NAT between it and Anchor): Anchor answered to where it came from");
                }

                if (m.FirstAudioSeconds is > LateAudioSeconds and var late)
                {
                    said.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{m.Party} sent audio only {late:0} s after the answer: the first seconds were silent (a slow media path, or a NAT that opened late)"));
                }

                double lossShare = m.Lost / (double)(m.Packets + m.Lost);
                if (lossShare > LossWorthSaying)
                {
                    said.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{m.Party}'s audio lost {lossShare * 100:0}% of its packets on the way to Anchor ({m.Lost} of {m.Packets + m.Lost}): a congested or lossy link on {m.Party}'s side"));
                }

                if (m.JitterMs > JitterWorthSayingMs)
                {
                    said.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{m.Party}'s audio arrived unevenly (jitter {m.JitterMs:0} ms): choppy sound is likely"));
                }
            }

            if (m.Rejected > 0)
            {
                said.Add($"{m.Rejected} packets from an unexpected address were dropped on {m.Party}'s port (possible hijack, or a device whose address changed)");
            }
        }

        return said;
    }
}
