using System.Security.Cryptography;
using System.Text;
using Anchor.Sip.Message;

namespace Anchor.Pbx.Proxy;

/// <summary>
/// Makes the Record-Route Anchor inserts verifiable, so that only dialogs Anchor itself set up are ever forwarded
/// in-dialog (no dialog table: nothing to hold, nothing lost on restart while the key is kept). The Record-Route URI
/// carries <c>;dlg=A.B</c>:
/// <list type="bullet">
/// <item>A = MAC(Call-ID, the caller's tag): the dialog is one Anchor record-routed. A request in it names that tag as
/// its From tag (from the caller) or To tag (from the callee), so both are tried.</item>
/// <item>B = MAC(Call-ID, the caller's tag, the caller's next hop): where requests toward the caller may go (its
/// Contact, or the Record-Route an upstream element put before ours). Requests toward the callee must go to a
/// registered phone instead, which the proxy checks against the location service.</item>
/// </list>
/// 64-bit HMAC-SHA256 truncations: a forger gets one guess per request, against a ban after ten failures.
/// </summary>
public sealed class DialogTokens
{
    private const int MacBytes = 8;
    private readonly Anchor.Sip.Auth.Hmac256 _mac;

    /// <param name="key">At least 16 random bytes; kept across restarts (the host stores it) so calls in progress survive one.</param>
    public DialogTokens(byte[] key)
    {
        if (key.Length < 16)
        {
            throw new ArgumentException("The dialog key must be at least 16 bytes", nameof(key));
        }

        _mac = new Anchor.Sip.Auth.Hmac256(key);
    }

    /// <summary>The URI parameter Anchor's Record-Route carries.</summary>
    public static ReadOnlySpan<byte> ParameterName => "dlg"u8;

    /// <summary>The parameter value for a dialog created by a request with this Call-ID, From tag and caller hop.</summary>
    public string Issue(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> callerTag, in SipUri callerHop)
    {
        Span<byte> a = stackalloc byte[MacBytes];
        Span<byte> b = stackalloc byte[MacBytes];
        Mac(callId, callerTag, default, a);
        Mac(callId, callerTag, HopKey(callerHop), b);
        return Convert.ToHexStringLower(a) + "." + Convert.ToHexStringLower(b);
    }

    /// <summary>What a token presented in a Route header proves about a request.</summary>
    public DialogProof Check(ReadOnlySpan<byte> token, ReadOnlySpan<byte> callId, ReadOnlySpan<byte> fromTag, ReadOnlySpan<byte> toTag, in SipUri nextHop)
    {
        Span<byte> a = stackalloc byte[MacBytes];
        Span<byte> b = stackalloc byte[MacBytes];
        int dot = token.IndexOf((byte)'.');
        if (dot != MacBytes * 2 || token.Length != (MacBytes * 4) + 1
            || Convert.FromHexString(token[..dot], a, out _, out int na) != System.Buffers.OperationStatus.Done || na != MacBytes
            || Convert.FromHexString(token[(dot + 1)..], b, out _, out int nb) != System.Buffers.OperationStatus.Done || nb != MacBytes)
        {
            return DialogProof.None;
        }

        byte[] hop = HopKey(nextHop);
        DialogProof proof = Prove(a, b, callId, fromTag, hop);
        return proof != DialogProof.None ? proof : Prove(a, b, callId, toTag, hop);
    }

    private DialogProof Prove(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> callId, ReadOnlySpan<byte> tag, byte[] hop)
    {
        Span<byte> expected = stackalloc byte[MacBytes];
        Mac(callId, tag, default, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, a))
        {
            return DialogProof.None;
        }

        Mac(callId, tag, hop, expected);
        return CryptographicOperations.FixedTimeEquals(expected, b) ? DialogProof.TowardCaller : DialogProof.Dialog;
    }

    private void Mac(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> hop, Span<byte> into)
    {
        int length = callId.Length + tag.Length + hop.Length + 2;
        byte[]? rented = length > 512 ? new byte[length] : null;
        Span<byte> input = rented ?? stackalloc byte[length];
        callId.CopyTo(input);
        input[callId.Length] = 0;
        tag.CopyTo(input[(callId.Length + 1)..]);
        input[callId.Length + 1 + tag.Length] = hop.IsEmpty ? (byte)0 : (byte)1;
        hop.CopyTo(input[(callId.Length + tag.Length + 2)..]);
        Span<byte> full = stackalloc byte[32];
        _mac.Compute(input, full);
        full[..MacBytes].CopyTo(into);
    }

    /// <summary>"host:port" of a URI, the host lower-cased and the port defaulted (5060), so equal addresses compare equal.</summary>
    private static byte[] HopKey(in SipUri uri)
    {
        int port = uri.Port != 0 ? uri.Port : uri.Scheme == UriScheme.Sips ? 5061 : 5060;
        return Encoding.ASCII.GetBytes($"{uri.HostString.ToLowerInvariant()}:{port}");
    }
}

/// <summary>What a Record-Route token proves about an in-dialog request.</summary>
public enum DialogProof
{
    /// <summary>No token, or one Anchor did not make: not a dialog Anchor set up.</summary>
    None,

    /// <summary>A dialog Anchor record-routed; the request is not going to the caller's hop.</summary>
    Dialog,

    /// <summary>A dialog Anchor record-routed, and the request's next hop is the caller's.</summary>
    TowardCaller,
}
