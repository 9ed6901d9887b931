using Anchor.Sip.Auth;

namespace Anchor.Sip.Message;

/// <summary>Fresh identifiers for what Anchor originates: tags (§19.3), Call-IDs (§8.1.1.4), branches (§8.1.1.7).</summary>
public static class SipIds
{
    /// <summary>48 random bits, as hex.</summary>
    public static string NewTag() => Hex(stackalloc byte[6]);

    /// <summary>96 random bits, as hex: globally unique without naming a host.</summary>
    public static string NewCallId() => Hex(stackalloc byte[12]);

    /// <summary>The RFC 3261 magic cookie and 64 random bits.</summary>
    public static string NewBranch() => "z9hG4bK" + Hex(stackalloc byte[8]);

    /// <summary>Random bytes as lower-case hex, with no array for the bytes.</summary>
    private static string Hex(Span<byte> random)
    {
        RandomBytes.Fill(random); // the platform's generator, drawn in blocks
        return Convert.ToHexStringLower(random);
    }
}
