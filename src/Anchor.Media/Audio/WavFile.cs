using System.Buffers.Binary;
using Anchor.Media.Codecs;

namespace Anchor.Media.Audio;

/// <summary>
/// WAV (RIFF WAVE) files as Anchor reads and writes them: 8 kHz mono, 16-bit PCM (format 1) or G.711 A-law (6) and
/// µ-law (7), read into an <see cref="AudioClip"/>; written as 16-bit PCM. Anything else is refused with a reason
/// that names what the file is, so an admin knows what to convert (<c>sox in.wav -r 8000 -c 1 -b 16 out.wav</c>).
/// </summary>
public static class WavFile
{
    public static AudioClip Read(string path) => Parse(Path.GetFileName(path), File.ReadAllBytes(path));

    public static AudioClip Parse(string name, ReadOnlySpan<byte> file)
    {
        if (file.Length < 12 || !file[..4].SequenceEqual("RIFF"u8) || !file.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException($"{name}: not a WAV file (no RIFF/WAVE header)");
        }

        int format = -1, channels = 0, rate = 0, bits = 0;
        ReadOnlySpan<byte> data = default;
        bool haveData = false;
        int at = 12;
        while (at + 8 <= file.Length)
        {
            ReadOnlySpan<byte> id = file.Slice(at, 4);
            int size = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(file.Slice(at + 4, 4)), (uint)(file.Length - at - 8));
            ReadOnlySpan<byte> body = file.Slice(at + 8, size);
            if (id.SequenceEqual("fmt "u8) && size >= 16)
            {
                format = BinaryPrimitives.ReadUInt16LittleEndian(body);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                rate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                if (format == 0xFFFE && size >= 40)
                {
                    format = BinaryPrimitives.ReadUInt16LittleEndian(body[24..]); // WAVE_FORMAT_EXTENSIBLE: the sub-format
                }
            }
            else if (id.SequenceEqual("data"u8))
            {
                data = body;
                haveData = true;
            }

            at += 8 + size + (size & 1);
        }

        if (format < 0 || !haveData)
        {
            throw new InvalidDataException($"{name}: no fmt or data chunk");
        }

        if (channels != 1 || rate != AudioClip.SampleRate)
        {
            throw new InvalidDataException($"{name}: {rate} Hz, {channels} channel(s); Anchor plays 8000 Hz mono (sox in.wav -r 8000 -c 1 -b 16 out.wav)");
        }

        short[] samples;
        switch (format, bits)
        {
            case (1, 16):
                samples = new short[data.Length / 2];
                for (int i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(data[(i * 2)..]);
                }

                break;
            case (6, 8):
            case (7, 8):
                samples = new short[data.Length];
                G711.Decode(data, samples, format == 7 ? G711Law.MuLaw : G711Law.ALaw);
                break;
            default:
                throw new InvalidDataException($"{name}: format {format} with {bits} bits; Anchor plays 16-bit PCM or G.711 (sox in.wav -r 8000 -c 1 -b 16 out.wav)");
        }

        return new AudioClip(name, samples);
    }

    /// <summary>A 16-bit PCM, 8 kHz mono WAV of <paramref name="samples"/>.</summary>
    public static byte[] Build(ReadOnlySpan<short> samples)
    {
        var bytes = new byte[44 + (samples.Length * 2)];
        WriteHeader(bytes, samples.Length);
        for (int i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(44 + (i * 2)), samples[i]);
        }

        return bytes;
    }

    /// <summary>The 44-byte header of a 16-bit PCM, 8 kHz mono WAV holding <paramref name="sampleCount"/> samples.</summary>
    public static void WriteHeader(Span<byte> header, int sampleCount)
    {
        int dataBytes = sampleCount * 2;
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], 36 + dataBytes);
        "WAVEfmt "u8.CopyTo(header[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(header[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(header[22..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], AudioClip.SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], AudioClip.SampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(header[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(header[34..], 16);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[40..], dataBytes);
    }
}
