using System.Buffers.Binary;
using System.Security.Cryptography;
using Anchor.Media.Audio;
using Anchor.Media.Codecs;
using Anchor.Media.Relay;
using Anchor.Media.Rtp;
using Anchor.Media.Sdp;

namespace Anchor.Media.Engine;

/// <summary>
/// Anchor as one side of the media on a relay port: it plays (prompts, tones, music) in G.711 on a 20 ms clock with
/// its own SSRC, sequence and timestamp (RFC 3550 §5.1), sends RTCP sender reports (§6.4.1), hears RFC 4733 keys on
/// whatever payload type was negotiated, sends keys, echoes, and records through a jitter buffer. Packets go to where
/// the phone's come from (the port's symmetric-RTP latch). Controlled from any thread (each call is posted to the
/// engine's thread); everything else runs on that thread and allocates nothing per packet.
/// </summary>
public sealed unsafe class LocalStream : IPaced
{
    private const int RtcpIntervalMs = 5000;
    private readonly RelayEngine _engine;
    private readonly RelayEndpoint _rtp;
    private readonly RelayEndpoint _rtcp;
    private readonly TelephoneEventReceiver _keysIn = new();
    private readonly TelephoneEventSender _keysOut = new();
    private readonly JitterBuffer _jitter = new();
    private readonly uint _ssrc = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
    private readonly short[] _pcm = new short[AudioClip.FrameSamples];
    private readonly short[] _decoded = new short[320];
    private readonly byte[] _frame = new byte[320];
    private ushort _sequence = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue);
    private uint _timestamp = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
    private uint _eventTimestamp;
    private IAudioSource? _source;
    private int _playId;
    private bool _echo;
    private bool _talking;
    private Recorder? _recorder;
    private G711Law _law = G711Law.MuLaw;
    private int _audioType = -1;
    private int _eventType = -1;
    private long _packetsSent;
    private long _octetsSent;
    private long _nextReportMs;
    private bool _attached;

    internal LocalStream(RelayEngine engine, RelayEndpoint rtp, RelayEndpoint rtcp)
    {
        _engine = engine;
        _rtp = rtp;
        _rtcp = rtcp;
    }

    int IPaced.WheelSlot { get; set; } = -1;

    int IPaced.WheelIndex { get; set; } = -1;

    long IPaced.DueMs { get; set; }

    /// <summary>Who hears this stream's keys and the end of its playbacks; set before playing.</summary>
    public ILocalStreamEvents? Events { get; set; }

    /// <summary>Packets sent so far (RTP, audio and events).</summary>
    public long PacketsSent => Interlocked.Read(ref _packetsSent);

    /// <summary>Keys heard so far.</summary>
    public int KeysHeard => _keysIn.Reported;

    /// <summary>Plays <paramref name="source"/> in place of whatever plays now; its end is reported with <paramref name="playId"/>.</summary>
    public void Play(IAudioSource source, int playId) => _engine.Post(() =>
    {
        _source = source;
        _playId = playId;
        _echo = false;
    });

    /// <summary>Stops playing (the current playback is not reported as finished).</summary>
    public void StopPlayback() => _engine.Post(() => _source = null);

    /// <summary>Sends back what the party sends (the echo test), in place of any playback.</summary>
    public void Echo(bool on) => _engine.Post(() =>
    {
        _echo = on;
        if (on)
        {
            _source = null;
        }
    });

    /// <summary>Sends <paramref name="keys"/> as RFC 4733 events (in place of audio while they last).</summary>
    public void SendDigits(string keys) => _engine.Post(() => _keysOut.Enqueue(keys));

    /// <summary>Starts keeping what the party sends in <paramref name="recorder"/>.</summary>
    public void Record(Recorder recorder) => _engine.Post(() => _recorder = recorder);

    /// <summary>Stops recording; the returned task completes once the engine has stopped feeding the recorder.</summary>
    public Task StopRecordingAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _engine.Post(() =>
        {
            FlushRecording();
            _recorder = null;
            done.TrySetResult();
        });
        return done.Task;
    }

    /// <summary>Engine thread: the codec and event type to use, from the party's SDP (the first G.711 it lists).</summary>
    internal void Configure(MediaStream? remote)
    {
        (RtpFormat Audio, RtpFormat? Events)? chosen = remote is null ? null : LocalDescription.Choose(remote);
        _audioType = chosen?.Audio.PayloadType ?? -1;
        _law = chosen?.Audio.Is("PCMA") == true ? G711Law.ALaw : G711Law.MuLaw;
        _eventType = chosen?.Events?.PayloadType ?? -1;
    }

    /// <summary>Engine thread: starts the stream's clock.</summary>
    internal void Attach(long nowMs, PacingWheel<LocalStream> wheel)
    {
        if (!_attached)
        {
            _attached = true;
            _nextReportMs = nowMs + RtcpIntervalMs;
            wheel.Add(this, nowMs + 1);
        }
    }

    internal void Detach(PacingWheel<LocalStream> wheel)
    {
        if (_attached)
        {
            _attached = false;
            wheel.Remove(this);
            FlushRecording();
        }
    }

    /// <summary>Engine thread: a packet from the party (already latched and counted by the relay).</summary>
    internal void OnPacket(byte* data, int length)
    {
        var packet = new ReadOnlySpan<byte>(data, length);
        int offset = RtpHeader.PayloadOffset(packet);
        if (offset < 0)
        {
            return;
        }

        int pt = RtpHeader.PayloadType(packet);
        ReadOnlySpan<byte> payload = packet[offset..RtpHeader.PayloadEnd(packet)];
        if (pt == _eventType)
        {
            char key = _keysIn.OnPacket(RtpHeader.Ssrc(packet), RtpHeader.Timestamp(packet), payload);
            if (key != '\0')
            {
                Events?.OnDigit(this, key);
            }

            return;
        }

        if (pt != _audioType)
        {
            return; // comfort noise, another codec, SIPp's no-op packets: nothing to hear
        }

        if (_echo && !_keysOut.Busy)
        {
            SendRtp(_audioType, payload, RtpHeader.Marker(packet));
            _timestamp += (uint)payload.Length;
        }

        if (_recorder is not null)
        {
            _jitter.Push(RtpHeader.Sequence(packet), payload);
            DrainJitter(flush: false);
        }
    }

    /// <summary>Engine thread: this stream's 20 ms frame is due (after <paramref name="skipped"/> missed ones).</summary>
    internal void Tick(long nowMs, int skipped)
    {
        // What the party sent since the last frame (the socket is not on epoll while Anchor is its other side).
        _engine.Drain(_rtp);
        _timestamp += (uint)(skipped * AudioClip.FrameSamples);
        if (nowMs >= _nextReportMs)
        {
            _nextReportMs = nowMs + RtcpIntervalMs;
            if (_packetsSent > 0)
            {
                SendReport();
            }
        }

        if (_audioType < 0)
        {
            return; // no usable codec yet (or none at all): nothing can be sent
        }

        Span<byte> payload = stackalloc byte[AudioClip.FrameSamples];
        if (_eventType >= 0 && _keysOut.TryNext(payload, out bool starts))
        {
            if (starts)
            {
                _eventTimestamp = _timestamp;
            }

            SendRtp(_eventType, payload[..4], starts, _eventTimestamp);
            _timestamp += AudioClip.FrameSamples;
            return;
        }

        if (_echo)
        {
            return; // echoed packets go out as they arrive
        }

        if (_source is null)
        {
            _talking = false;
            _timestamp += AudioClip.FrameSamples;
            return;
        }

        int n = _source.Read(_pcm);
        if (n < _pcm.Length)
        {
            _pcm.AsSpan(n).Clear();
            int finished = _playId;
            _source = null;
            Events?.OnPlaybackFinished(this, finished);
            if (n == 0)
            {
                _talking = false;
                _timestamp += AudioClip.FrameSamples;
                return;
            }
        }

        G711.Encode(_pcm, payload, _law);
        SendRtp(_audioType, payload, marker: !_talking);
        _talking = true;
        _timestamp += AudioClip.FrameSamples;
    }

    private void SendRtp(int payloadType, ReadOnlySpan<byte> payload, bool marker, uint? timestamp = null)
    {
        if (_rtp.RemoteLength == 0)
        {
            return;
        }

        Span<byte> packet = stackalloc byte[RtpHeader.Size + 320];
        int length = RtpHeader.Size + Math.Min(payload.Length, 320);
        RtpHeader.Write(packet, payloadType, marker, _sequence++, timestamp ?? _timestamp, _ssrc);
        payload[..(length - RtpHeader.Size)].CopyTo(packet[RtpHeader.Size..]);
        fixed (byte* p = packet)
        {
            if (_engine.SendFrom(_rtp, p, length))
            {
                _packetsSent++;
                _octetsSent += length - RtpHeader.Size;
            }
        }
    }

    /// <summary>RFC 3550 §6.4.1 sender report, with the SDES CNAME every compound packet needs (§6.1).</summary>
    private void SendReport()
    {
        if (_rtcp.RemoteLength == 0)
        {
            return;
        }

        Span<byte> p = stackalloc byte[28 + 20];
        p[0] = 0x80;
        p[1] = 200;
        BinaryPrimitives.WriteUInt16BigEndian(p[2..], 6);
        BinaryPrimitives.WriteUInt32BigEndian(p[4..], _ssrc);
        ulong ntp = NtpNow();
        BinaryPrimitives.WriteUInt64BigEndian(p[8..], ntp);
        BinaryPrimitives.WriteUInt32BigEndian(p[16..], _timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(p[20..], (uint)_packetsSent);
        BinaryPrimitives.WriteUInt32BigEndian(p[24..], (uint)_octetsSent);

        // SDES: one chunk, CNAME "anchor", padded to a 32-bit boundary.
        Span<byte> sdes = p[28..];
        sdes[0] = 0x81;
        sdes[1] = 202;
        BinaryPrimitives.WriteUInt16BigEndian(sdes[2..], 3);
        BinaryPrimitives.WriteUInt32BigEndian(sdes[4..], _ssrc);
        sdes[8] = 1;
        sdes[9] = 6;
        "anchor"u8.CopyTo(sdes[10..]);
        sdes[16..20].Clear();
        fixed (byte* b = p)
        {
            _engine.SendFrom(_rtcp, b, p.Length);
        }
    }

    private void DrainJitter(bool flush)
    {
        while (true)
        {
            int n = _jitter.TryPop(_frame, out bool concealed, flush);
            if (n == 0)
            {
                return;
            }

            Span<short> pcm = _decoded.AsSpan(0, n);
            if (concealed)
            {
                if (_jitter.ConcealedInARow == 1)
                {
                    for (int i = 0; i < n; i++)
                    {
                        pcm[i] = (short)(pcm[i] / 2); // the last frame again, at half level
                    }
                }
                else
                {
                    pcm.Clear();
                }
            }
            else
            {
                G711.Decode(_frame.AsSpan(0, n), pcm, _law);
            }

            _recorder!.OnFrame(pcm);
        }
    }

    private void FlushRecording()
    {
        if (_recorder is not null)
        {
            DrainJitter(flush: true);
        }
    }

    private ulong NtpNow()
    {
        DateTimeOffset now = _engine.Time.GetUtcNow();
        double seconds = (now - new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero)).TotalSeconds;
        ulong whole = (ulong)seconds;
        return (whole << 32) | (ulong)((seconds - whole) * 4294967296.0);
    }
}
