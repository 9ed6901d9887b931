using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Anchor.Functional.Tests;

/// <summary>
/// A caller who listens and presses keys: SIPp does the signalling (voice-call.xml), the test's own
/// <see cref="RtpCapture"/> is its media — it hears what Anchor plays (decoded and measured), sends RFC 4733 keys and
/// tones, and hangs up when the test says so (an OPTIONS in the call tells SIPp to send its BYE).
/// </summary>
internal sealed class VoiceCall : IAsyncDisposable
{
    private readonly string _work;
    private readonly int _sippPort;
    private ushort _seq = 3000;
    private uint _ts = 80000;
    private string? _callId;

    private VoiceCall(RtpCapture media, Task<Sipp.Result> sipp, string work, int sippPort, int eventType)
    {
        Media = media;
        Completion = sipp;
        _work = work;
        _sippPort = sippPort;
        EventType = eventType;
    }

    public RtpCapture Media { get; }

    /// <summary>SIPp's run: ends after the hang-up (either side's).</summary>
    public Task<Sipp.Result> Completion { get; }

    public int Relay { get; private set; }

    /// <summary>What SIPp said, once it has finished (for failure messages).</summary>
    public string SippOutput => Completion.IsCompletedSuccessfully ? Completion.Result.Output : "(SIPp still running)";

    /// <summary>The payload type of telephone-event in the caller's SDP.</summary>
    public int EventType { get; }

    /// <summary>An extension calls <paramref name="target"/> at Anchor (digest with its password).</summary>
    public static Task<VoiceCall> FromExtensionAsync(PbxHost pbx, string extension, string target, int timeoutSeconds = 90, string steps = "") =>
        StartAsync(pbx.Port, target, $"\"Ext {extension}\" <sip:{extension}@pbx.test>", extension, "[remote_ip]:[remote_port]", "pbx.test",
            ["-au", extension, "-ap", PbxHost.Passwords[extension]], auth: true, timeoutSeconds, steps);

    /// <summary>Somebody on the Internet calls the office's number at the ITSP (Kamailio on <paramref name="itspPort"/>).</summary>
    /// <param name="mediaPort">SIPp's own media port, for scenarios that play pcaps or DTMF from SIPp itself.</param>
    public static Task<VoiceCall> FromOutsideAsync(int itspPort, string did, int timeoutSeconds = 90, string steps = "", string formats = "0 101",
        string? mediaPort = null) =>
        StartAsync(itspPort, did, "\"Carol Outside\" <sip:15559876543@[local_ip]:[local_port]>", "15559876543", "itsp.test", "itsp.test",
            mediaPort is null ? [] : ["-mp", mediaPort, "-mi", "127.0.0.1"], auth: false, timeoutSeconds, steps, formats);

    private static async Task<VoiceCall> StartAsync(int port, string target, string from, string fromUser, string toHost, string toDomain, string[] extra,
        bool auth, int timeoutSeconds, string steps, string formats = "0 101")
    {
        var media = new RtpCapture();
        int eventType = int.Parse(formats.Split(' ')[1], CultureInfo.InvariantCulture);
        string scenario = Sipp.Specialise("voice-call.xml",
            ("AUTH_START", auth ? "" : "<!--"), ("AUTH_END", auth ? "" : "-->"), ("AUTH_HEADER", auth ? "[authentication]" : "Subject: a call from outside"),
            ("FROM_USER", fromUser), ("FROM", from), ("TO_HOST", toHost), ("TO_DOMAIN", toDomain),
            ("RTP_PORT", media.Port.ToString(CultureInfo.InvariantCulture)), ("FORMATS", formats),
            ("ATTRS", $"a=rtpmap:0 PCMU/8000\na=rtpmap:{eventType} telephone-event/8000\na=fmtp:{eventType} 0-15"), ("STEPS", steps));
        string work = Directory.CreateTempSubdirectory("anchor-sipp-").FullName;
        int local = FreePort.Next();
        Task<Sipp.Result> sipp = Sipp.RunAsync(scenario, port, "u1", 1, 10, timeoutSeconds, "127.0.0.1", local,
            new[] { "-s", target, "-trace_logs" }.Concat(extra), work);
        return new VoiceCall(media, sipp, work, local, eventType);
    }

    /// <summary>Waits for the answer: the relay port Anchor gave the caller.</summary>
    public async Task<bool> AnsweredAsync(TimeSpan timeout)
    {
        Task<string> relay = Sipp.WaitForLogAsync(_work, "RELAY", timeout);
        if (await Task.WhenAny(relay, Completion) != relay)
        {
            return false;
        }

        Relay = int.Parse(await relay, CultureInfo.InvariantCulture);
        _callId = await Sipp.WaitForLogAsync(_work, "CALLID", TimeSpan.FromSeconds(2));
        return true;
    }

    /// <summary>Presses keys (RFC 4733 on the SDP's event type: three updates and three end packets each, 250 ms apart).</summary>
    public async Task KeysAsync(string keys)
    {
        foreach (char k in keys)
        {
            int code = k switch { '*' => 10, '#' => 11, _ => k - '0' };
            _ts += 2000;
            for (int i = 0; i < 6; i++)
            {
                bool end = i >= 3;
                Media.Send(Event(code, end, (ushort)(Math.Min(i + 1, 4) * 160)), Relay);
                await Task.Delay(20);
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Sends a tone of <paramref name="hz"/> for <paramref name="length"/> (G.711 µ-law, 20 ms packets).</summary>
    public Task SendToneAsync(double hz, TimeSpan length)
    {
        int packets = (int)(length.TotalMilliseconds / 20);
        return Media.SendStreamAsync(Relay, 0, Enumerable.Range(0, packets).Select(i => Audio.ToneMuLaw(hz, 160, i * 160)), firstSeq: _seq += 500);
    }

    /// <summary>What the caller heard after <paramref name="since"/> (Anchor's PCMU).</summary>
    public short[] HeardSince(TimeSpan since) => Audio.Decode(Media.Packets.Where(p => p.At >= since && p.PayloadType == 0));

    /// <summary>Waits until the caller has heard <paramref name="length"/> of <paramref name="hz"/> without a break; the moment it ended, or null.</summary>
    public async Task<TimeSpan?> HearToneAsync(double hz, TimeSpan length, TimeSpan timeout, TimeSpan? since = null)
    {
        DateTime end = DateTime.UtcNow + timeout;
        int need = (int)(length.TotalMilliseconds / 20);
        while (DateTime.UtcNow < end)
        {
            int run = 0;
            foreach (RtpCapture.Packet p in Media.Packets.Where(p => p.PayloadType == 0 && p.At >= (since ?? TimeSpan.Zero)))
            {
                short[] s = Audio.Decode([p]);
                run = Audio.Level(s) > 500 && Audio.Share(s, hz) > 0.7 ? run + 1 : 0;
                if (run >= need)
                {
                    // The tone may go on: wait for its end.
                    return await ToneEndAsync(p.At, hz, timeout);
                }
            }

            await Task.Delay(100);
        }

        return null;
    }

    /// <summary>The end of a tone heard from <paramref name="from"/>: the first packet that is not the tone, or a pause in the stream.</summary>
    private async Task<TimeSpan> ToneEndAsync(TimeSpan from, double hz, TimeSpan timeout)
    {
        DateTime end = DateTime.UtcNow + timeout;
        TimeSpan last = from;
        while (DateTime.UtcNow < end)
        {
            foreach (RtpCapture.Packet p in Media.Packets.Where(p => p.PayloadType == 0 && p.At > last))
            {
                short[] s = Audio.Decode([p]);
                if (!(Audio.Level(s) > 500 && Audio.Share(s, hz) > 0.7))
                {
                    return p.At;
                }

                last = p.At;
            }

            if (Media.Now - last > TimeSpan.FromMilliseconds(200))
            {
                return last + TimeSpan.FromMilliseconds(20); // Anchor stopped sending (it is recording)
            }

            await Task.Delay(50);
        }

        return Media.Now;
    }

    /// <summary>Waits until Anchor has been speaking (loud audio) and then quiet for <paramref name="quiet"/>: the end of a prompt.</summary>
    public async Task<bool> PromptEndedAsync(TimeSpan since, TimeSpan quiet, TimeSpan timeout)
    {
        DateTime end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            var packets = Media.Packets.Where(p => p.PayloadType == 0 && p.At >= since).ToList();
            int lastLoud = packets.FindLastIndex(p => Audio.Level(Audio.Decode([p])) > 300);
            if (lastLoud >= 0 && Media.Now - packets[lastLoud].At >= quiet)
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    /// <summary>Hangs up: an OPTIONS in the call tells SIPp to send its BYE; returns SIPp's result.</summary>
    public async Task<Sipp.Result> HangUpAsync()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        string msg = $"OPTIONS sip:caller@127.0.0.1:{_sippPort} SIP/2.0\r\nVia: SIP/2.0/UDP {s.LocalEndPoint};branch=z9hG4bK-hangup{_seq}\r\n"
            + $"From: <sip:test@127.0.0.1>;tag=hangup\r\nTo: <sip:caller@127.0.0.1>\r\nCall-ID: {_callId}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        s.SendTo(Encoding.ASCII.GetBytes(msg), new IPEndPoint(IPAddress.Loopback, _sippPort));
        return await Completion;
    }

    private byte[] Event(int code, bool end, ushort duration)
    {
        byte[] p = new byte[16];
        p[0] = 0x80;
        p[1] = (byte)EventType;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), _seq++);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(4), _ts);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(8), 0x5151);
        p[12] = (byte)code;
        p[13] = (byte)((end ? 0x80 : 0) | 10);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(14), duration);
        return p;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Completion.IsCompleted && _callId is not null)
        {
            await Task.WhenAny(HangUpAsync(), Task.Delay(5000));
        }

        Media.Dispose();
    }
}
