namespace Anchor.Sip.Auth;

public sealed record DigestOptions
{
    /// <summary>
    /// Challenges offered, in this order, one header each (RFC 8760 §2.4). MD5 only by default: some SIP stacks fail the
    /// whole request on a challenge whose algorithm they do not know instead of picking the one they do (baresip 1.0 /
    /// libre answers ENOSYS), so SHA-256 is opt-in.
    /// </summary>
    public IReadOnlyList<DigestAlgorithm> Algorithms { get; init; } = [DigestAlgorithm.Md5];

    /// <summary>How long a nonce is good for; after that the answer is 401 with stale=true (RFC 7616 §3.3).</summary>
    public TimeSpan NonceLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Nonces whose nonce-count is tracked at once; over this, the oldest are forgotten and their next use is answered stale.</summary>
    public int MaxTrackedNonces { get; init; } = 100_000;

    /// <summary>Accept credentials without qop (RFC 2069 form). Off: without nc there is no replay protection.</summary>
    public bool AllowWithoutQop { get; init; }

    /// <summary>The HMAC key that signs nonces. Random per process when not given (nonces then do not survive a restart: clients get stale=true).</summary>
    public byte[]? Secret { get; init; }
}
