using System.Buffers.Binary;

namespace Anchor.Media.Rtp;

/// <summary>The fixed RTP header (RFC 3550 §5.1), read and written in place.</summary>
public static class RtpHeader
{
    public const int Size = 12;

    /// <summary>The offset of the payload, past CSRCs and a header extension; -1 when the packet is not RTP version 2 or is truncated.</summary>
    public static int PayloadOffset(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < Size || (packet[0] >> 6) != 2)
        {
            return -1;
        }

        int offset = Size + ((packet[0] & 0x0F) * 4);
        if ((packet[0] & 0x10) != 0)
        {
            if (packet.Length < offset + 4)
            {
                return -1;
            }

            offset += 4 + (BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]) * 4);
        }

        return offset <= packet.Length ? offset : -1;
    }

    /// <summary>The payload's end, before any padding (§5.1 P bit).</summary>
    public static int PayloadEnd(ReadOnlySpan<byte> packet) =>
        (packet[0] & 0x20) != 0 && packet.Length > Size ? packet.Length - packet[^1] : packet.Length;

    public static int PayloadType(ReadOnlySpan<byte> packet) => packet[1] & 0x7F;

    public static bool Marker(ReadOnlySpan<byte> packet) => (packet[1] & 0x80) != 0;

    public static ushort Sequence(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);

    public static uint Timestamp(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);

    public static uint Ssrc(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);

    public static void Write(Span<byte> packet, int payloadType, bool marker, ushort sequence, uint timestamp, uint ssrc)
    {
        packet[0] = 0x80;
        packet[1] = (byte)((marker ? 0x80 : 0) | (payloadType & 0x7F));
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet[8..], ssrc);
    }
}
