using System.Globalization;
using System.Text;
using Anchor.Pbx.Records;

namespace Anchor.Http;

/// <summary>One call's page: its record, the diagnosis of its media in plain words, the media of each leg, and its SIP ladder.</summary>
internal static class CallPage
{
    public static string Render(SipServer sip, string id)
    {
        var sb = new StringBuilder();
        if (Api.FindRecord(sip, id) is { } r)
        {
            sb.Append("<section><table><tbody>")
                .Append(Row("From", r.From)).Append(Row("To", r.To)).Append(Row("Dialled", r.Dialed)).Append(Row("Direction", r.Direction.ToString()))
                .Append(Row("Trunk", r.Trunk)).Append(Row("Start", Pages.Time(r.Start))).Append(Row("Answered", Pages.Time(r.Answer)))
                .Append(Row("Answered by", r.AnsweredBy)).Append(Row("End", Pages.Time(r.End)))
                .Append(Row("Duration", r.Duration.ToString("0.0", CultureInfo.InvariantCulture) + " s (talk " + r.Billable + " s)"))
                .Append(Row("Ended", $"{r.EndReason}, SIP {r.SipStatus}, by {r.HungUpBy}"))
                .Append("</tbody></table></section>");
            IReadOnlyList<string> said = Diagnosis.Of(r);
            sb.Append("<section aria-labelledby=\"diagnosis\"><h2 id=\"diagnosis\">Diagnosis</h2>");
            sb.Append(said.Count == 0
                ? $"<p class=\"ok\">{(r.Answer is null ? "The call was never answered: no media was expected." : r.Media.Count == 0 ? "The media went phone to phone, not through Anchor: nothing to measure here." : "No problem seen in the media.")}</p>"
                : "<ul class=\"diagnosis\">" + string.Concat(said.Select(s => $"<li class=\"bad\">{Pages.H(s)}</li>")) + "</ul>");
            sb.Append("</section>");
            if (r.Media.Count > 0)
            {
                sb.Append("<section><h2>Media of each leg (what Anchor received)</h2><table><thead><tr><th>Party</th><th>SDP said</th><th>Packets came from</th>")
                    .Append("<th>Packets</th><th>Relayed</th><th>Lost</th><th>Jitter</th><th>First packet</th><th>Dropped (unexpected source)</th><th>Packets per second</th></tr></thead><tbody>");
                foreach (LegMedia m in r.Media)
                {
                    sb.Append($"<tr><td>{Pages.H(m.Party)}</td><td>{Pages.H(m.Signalled)}</td><td>{Pages.H(m.Source ?? "nothing arrived")}</td><td>{m.Packets}</td>")
                        .Append($"<td>{m.Forwarded}</td><td>{m.Lost}</td><td>{m.JitterMs.ToString("0.0", CultureInfo.InvariantCulture)} ms</td>")
                        .Append($"<td>{(m.FirstAudioSeconds is { } f ? (f < 0 ? "before the answer" : f.ToString("0.0", CultureInfo.InvariantCulture) + " s after the answer") : "")}</td><td>{m.Rejected}</td><td>{Timeline(m)}</td></tr>");
                }

                sb.Append("</tbody></table></section>");
            }
        }
        else
        {
            sb.Append("<section><p class=\"muted\">No record yet: the call is in progress, or it is not a call Anchor knows.</p></section>");
        }

        return sb.Append(LadderHtml(Ladder.For(sip, id))).ToString();
    }

    private static string Row(string name, string? value) => $"<tr><th scope=\"row\">{name}</th><td>{Pages.H(value)}</td></tr>";

    /// <summary>The ladder as a grid: a time column, then one column per party; each message an arrow between two columns, its full text one click away.</summary>
    private static string LadderHtml(Ladder.View v)
    {
        var sb = new StringBuilder("<section aria-labelledby=\"ladder\"><h2 id=\"ladder\">SIP ladder</h2>");
        if (v.Messages.Count == 0)
        {
            return sb.Append("<p class=\"muted\">No message of this call is kept (Anchor keeps the messages of its recent calls only).</p></section>").ToString();
        }

        sb.Append($"<div class=\"ladder\" style=\"grid-template-columns: 7rem repeat({v.Parties.Count}, minmax(9rem, 1fr))\"><div></div>");
        foreach (string p in v.Parties)
        {
            sb.Append($"<div class=\"party\">{Pages.H(p)}</div>");
        }

        DateTimeOffset first = v.Messages[0].At;
        int row = 2;
        foreach (Ladder.Message m in v.Messages)
        {
            int from = IndexOf(v.Parties, m.From) + 2;
            int to = IndexOf(v.Parties, m.To) + 2;
            (int a, int b, string dir) = from < to ? (from, to, "right") : (to, from, "left");
            string offset = "+" + (m.At - first).TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";
            sb.Append($"<div class=\"time\" style=\"grid-row: {row}\">{offset}</div>")
                .Append($"<div class=\"msg {dir}\" style=\"grid-row: {row}; grid-column: {a} / {b + 1}\"><details><summary>{Pages.H(m.FirstLine)}</summary>")
                .Append($"<pre>{Pages.H(m.Text)}</pre></details></div>");
            row++;
        }

        return sb.Append("</div></section>").ToString();
    }

    private static int IndexOf(IReadOnlyList<string> parties, string p)
    {
        for (int i = 0; i < parties.Count; i++)
        {
            if (parties[i] == p)
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>
    /// A leg's packets per second over the call (5-second steps from its first packet) as a small bar chart: a phone
    /// whose audio stopped mid-call (Wi-Fi, a NAT mapping lost) shows a gap; a steady 50/s is G.711 at 20 ms.
    /// </summary>
    private static string Timeline(LegMedia m)
    {
        if (m.Timeline is not { Length: > 0 } t)
        {
            return "";
        }

        const int Height = 24;
        const int Step = Anchor.Media.Relay.StreamCounters.TimelineSeconds;
        double top = Math.Max(50, t.Max() / (double)Step);
        var sb = new StringBuilder($"<svg class=\"timeline\" role=\"img\" width=\"{t.Length * 3}\" height=\"{Height}\" aria-label=\"packets per second of {Pages.H(m.Party)}\">");
        for (int i = 0; i < t.Length; i++)
        {
            double rate = t[i] / (double)Step;
            int h = (int)Math.Round(rate / top * Height);
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{i * 3}\" y=\"{Height - h}\" width=\"2\" height=\"{h}\"><title>{i * Step}–{(i + 1) * Step} s: {rate:0.#}/s</title></rect>");
        }

        return sb.Append("</svg>").ToString();
    }
}
