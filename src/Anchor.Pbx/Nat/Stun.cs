using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Anchor.Pbx.Nat;

/// <summary>
/// The STUN Binding exchange (RFC 5389): the request a client sends, and the address the server saw it come from
/// (XOR-MAPPED-ADDRESS, or the RFC 3489 MAPPED-ADDRESS of older servers) read from the success response.
/// </summary>
public static class Stun
{
    public const int HeaderLength = 20;
    private const uint MagicCookie = 0x2112A442;
    private const ushort BindingRequest = 0x0001;
    private const ushort BindingSuccess = 0x0101;
    private const ushort MappedAddress = 0x0001;
    private const ushort XorMappedAddress = 0x0020;

    /// <summary>A Binding request with a fresh random transaction ID (12 bytes, written into <paramref name="transactionId"/>).</summary>
    public static byte[] NewRequest(Span<byte> transactionId)
    {
        RandomNumberGenerator.Fill(transactionId[..12]);
        return Request((ReadOnlySpan<byte>)transactionId[..12]);
    }

    /// <summary>A Binding request with no attributes: type, length 0, the magic cookie, the transaction ID.</summary>
    public static byte[] Request(ReadOnlySpan<byte> transactionId)
    {
        if (transactionId.Length != 12)
        {
            throw new ArgumentException("a STUN transaction ID is 12 bytes", nameof(transactionId));
        }

        byte[] m = new byte[HeaderLength];
        BinaryPrimitives.WriteUInt16BigEndian(m, BindingRequest);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), 0);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), MagicCookie);
        transactionId.CopyTo(m.AsSpan(8));
        return m;
    }

    /// <summary>
    /// The mapped address of a Binding success response to the request with <paramref name="transactionId"/>; null for
    /// anything else (another transaction, an error response, a truncated or malformed message).
    /// </summary>
    public static IPEndPoint? MappedEndPoint(ReadOnlySpan<byte> message, ReadOnlySpan<byte> transactionId)
    {
        if (message.Length < HeaderLength || (message[0] & 0xC0) != 0
            || BinaryPrimitives.ReadUInt16BigEndian(message) != BindingSuccess
            || BinaryPrimitives.ReadUInt32BigEndian(message[4..]) != MagicCookie
            || !message.Slice(8, 12).SequenceEqual(transactionId))
        {
            return null;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if (length % 4 != 0 || HeaderLength + length > message.Length)
        {
            return null;
        }

        ReadOnlySpan<byte> attributes = message.Slice(HeaderLength, length);
        IPEndPoint? plain = null;
        while (attributes.Length >= 4)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(attributes);
            int size = BinaryPrimitives.ReadUInt16BigEndian(attributes[2..]);
            if (4 + size > attributes.Length)
            {
                return null;
            }

            ReadOnlySpan<byte> value = attributes.Slice(4, size);
            if (type == XorMappedAddress)
            {
                return Address(value, message.Slice(4, 16));
            }

            if (type == MappedAddress)
            {
                plain ??= Address(value, default);
            }

            int padded = (size + 3) & ~3;
            attributes = attributes[Math.Min(attributes.Length, 4 + padded)..];
        }

        return plain;
    }

    /// <summary>An address attribute: family, port, address; XORed with the cookie and transaction ID when <paramref name="xor"/> is given.</summary>
    private static IPEndPoint? Address(ReadOnlySpan<byte> value, ReadOnlySpan<byte> xor)
    {
        if (value.Length < 8)
        {
            return null;
        }

        int family = value[1];
        int addressLength = family switch { 1 => 4, 2 => 16, _ => 0 };
        if (addressLength == 0 || value.Length < 4 + addressLength)
        {
            return null;
        }

        Span<byte> address = stackalloc byte[addressLength];
        int port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        for (int i = 0; i < addressLength; i++)
        {
            address[i] = (byte)(value[4 + i] ^ (xor.IsEmpty ? 0 : xor[i]));
        }

        if (!xor.IsEmpty)
        {
            port ^= (int)(MagicCookie >> 16);
        }

        return new IPEndPoint(new IPAddress(address), port);
    }

    /// <summary>
    /// Asks <paramref name="server"/> where <paramref name="socket"/>'s packets come from: the request retransmitted
    /// after 0.5, 1 and 2 s (RFC 5389 §7.2.1), then given up (null).
    /// </summary>
    public static async Task<IPEndPoint?> QueryAsync(Socket socket, IPEndPoint server, CancellationToken cancel = default)
    {
        byte[] id = new byte[12];
        byte[] request = NewRequest(id);
        byte[] buffer = new byte[1500];
        foreach (int wait in new[] { 500, 1000, 2000, 4000 })
        {
            await socket.SendToAsync(request, SocketFlags.None, server, cancel).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(wait);
            try
            {
                while (true)
                {
                    SocketReceiveFromResult r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), timeout.Token).ConfigureAwait(false);
                    if (MappedEndPoint(buffer.AsSpan(0, r.ReceivedBytes), id) is { } mapped)
                    {
                        return mapped;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                // retransmit
            }
            catch (SocketException)
            {
                await Task.Delay(wait, cancel).ConfigureAwait(false); // ICMP unreachable: try again after the same wait
            }
        }

        return null;
    }
}
