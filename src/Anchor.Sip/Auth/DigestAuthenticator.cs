using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Anchor.Sip.Message;

namespace Anchor.Sip.Auth;

/// <summary>
/// The server side of SIP digest authentication (RFC 3261 §22, RFC 2617, RFC 7616, RFC 8760).
/// Nonces are stateless: timestamp + random + HMAC, so issuing a challenge stores nothing. Only nonces that have been
/// answered correctly are tracked, for nonce-count replay protection, and that table is bounded.
/// An unknown user is verified against a throw-away password so it costs the same and looks the same as a wrong one.
/// </summary>
public sealed class DigestAuthenticator
{
    private const int NonceBytes = 8 + 8 + 16;

    private readonly Hmac256 _mac;
    private readonly byte[] _realm;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<long, NonceUse> _uses = new();

    // ConcurrentDictionary.Count takes every lock of the table: counted here instead, once per nonce added or dropped.
    private int _useCount;
    private readonly Lock _evicting = new();
    private readonly string _dummyPassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// Nonces whose issue stamp is at or below this may have been forgotten: they are never admitted again. Starts at this
    /// process's start, so nonces signed before a restart (with a configured secret) are answered stale, not replayable.
    /// </summary>
    private long _forgottenUpTo;

    /// <summary>Issue stamps: Unix time in microseconds, made strictly increasing so the eviction watermark is exact.</summary>
    private long _lastStamp;

    private readonly Func<SipUri, bool>? _servedUri;
    private readonly string _quotedRealm;

    /// <param name="servedUri">
    /// Whether a digest <c>uri</c> other than the Request-URI still designates this server (its domain or one of its
    /// addresses): clients that name where they sent the request (SIPp's <c>sip:HOST:PORT</c>), and requests whose
    /// Request-URI a router rewrote in transit. Null: only the Request-URI is accepted.
    /// </param>
    public DigestAuthenticator(string realm, DigestOptions? options = null, TimeProvider? time = null, Func<SipUri, bool>? servedUri = null)
    {
        Realm = realm;
        _realm = Encoding.UTF8.GetBytes(realm);
        _quotedRealm = DigestParameters.Quote(realm);
        _servedUri = servedUri;
        Options = options ?? new DigestOptions();
        _time = time ?? TimeProvider.System;
        _mac = new Hmac256(Options.Secret ?? RandomNumberGenerator.GetBytes(32));
        _lastStamp = _time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        _forgottenUpTo = _lastStamp;
    }

    public string Realm { get; }

    public DigestOptions Options { get; }

    public int TrackedNonces => Volatile.Read(ref _useCount);

    /// <summary>Headers for a 401 (registrar, UAS) or 407 (proxy) challenge: one per algorithm, sharing one nonce.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ChallengeHeaders(bool proxy, bool stale = false)
    {
        string name = proxy ? "Proxy-Authenticate" : "WWW-Authenticate";
        string nonce = NewNonce();
        var list = new List<KeyValuePair<string, string>>(Options.Algorithms.Count);
        foreach (DigestAlgorithm a in Options.Algorithms)
        {
            list.Add(new(name, $"Digest realm={_quotedRealm}, nonce=\"{nonce}\", algorithm={DigestAlgorithms.Name(a)}, qop=\"auth\"{(stale ? ", stale=true" : "")}"));
        }

        return list;
    }

    /// <summary>
    /// Verifies the request's credentials for this realm. <paramref name="passwordOf"/> returns the user's password, or null
    /// for an unknown user.
    /// </summary>
    public DigestResult Verify(SipMessage request, bool proxy, Func<string, string?> passwordOf)
    {
        HeaderKind kind = proxy ? HeaderKind.ProxyAuthorization : HeaderKind.Authorization;
        DigestParameters? creds = null;
        for (int i = request.IndexOf(kind); i >= 0; i = request.IndexOf(kind, i + 1))
        {
            // A request may carry credentials for other realms too (§22.3); unknown schemes are ignored (RFC 4475 §3.3.7).
            if (!DigestParameters.TryParse(request[request.GetHeader(i).Value], out DigestParameters? p))
            {
                ReadOnlySpan<byte> v = request[request.GetHeader(i).Value];
                if (v.Length >= 6 && Ascii.EqualsIgnoreCase(v[..6], "Digest"u8))
                {
                    return new(DigestOutcome.Malformed, null, "Malformed Digest credentials");
                }

                continue;
            }

            if (p!.TryGet("realm"u8, out ReadOnlySpan<byte> realm) && realm.SequenceEqual(_realm))
            {
                creds = p;
                break;
            }
        }

        if (creds is null)
        {
            return new(DigestOutcome.Missing, null, null);
        }

        if (!creds.TryGet("username"u8, out ReadOnlySpan<byte> userBytes) || !creds.TryGet("nonce"u8, out ReadOnlySpan<byte> nonce)
            || !creds.TryGet("uri"u8, out ReadOnlySpan<byte> uri) || !creds.TryGet("response"u8, out ReadOnlySpan<byte> response))
        {
            return new(DigestOutcome.Malformed, null, "Digest credentials lack username, nonce, uri or response");
        }

        string username = Encoding.UTF8.GetString(userBytes);
        DigestAlgorithm algorithm = DigestAlgorithm.Md5; // absent means MD5 (RFC 2617 §3.2.1)
        if (creds.TryGet("algorithm"u8, out ReadOnlySpan<byte> alg))
        {
            if (Ascii.EqualsIgnoreCase(alg, "SHA-256"u8))
            {
                algorithm = DigestAlgorithm.Sha256;
            }
            else if (!Ascii.EqualsIgnoreCase(alg, "MD5"u8))
            {
                return new(DigestOutcome.Rejected, username, "Unsupported algorithm");
            }
        }

        if (!Options.Algorithms.Contains(algorithm))
        {
            return new(DigestOutcome.Rejected, username, "Unsupported algorithm");
        }

        bool hasQop = creds.TryGet("qop"u8, out ReadOnlySpan<byte> qop);
        ReadOnlySpan<byte> ncText = default, cnonce = default;
        uint nc = 0;
        if (hasQop)
        {
            if (!Ascii.EqualsIgnoreCase(qop, "auth"u8) || !creds.TryGet("cnonce"u8, out cnonce) || !creds.TryGet("nc"u8, out ncText)
                || ncText.Length != 8 || !Utf8Parser.TryParse(ncText, out nc, out int used, 'x') || used != 8 || nc == 0)
            {
                return new(DigestOutcome.Malformed, username, "Bad qop, nc or cnonce");
            }
        }
        else if (!Options.AllowWithoutQop)
        {
            return new(DigestOutcome.Rejected, username, "qop required");
        }

        NonceState nonceState = CheckNonce(nonce, out long issuedAt);
        if (nonceState == NonceState.Forged)
        {
            return new(DigestOutcome.Rejected, username, "Unknown nonce");
        }

        if (!UriMatches(uri, request))
        {
            return new(DigestOutcome.Rejected, username, $"Digest uri {Encoding.UTF8.GetString(uri)} names neither the Request-URI nor this server");
        }

        // Unknown users are checked against a random password: same work, same outcome as a wrong password.
        string? password = passwordOf(username);
        Span<byte> ha1 = stackalloc byte[DigestAlgorithms.MaxHex];
        int n1 = DigestAlgorithms.Ha1Hex(algorithm, userBytes, _realm, password ?? _dummyPassword, ha1);
        Span<byte> expected = stackalloc byte[DigestAlgorithms.MaxHex];
        int n = DigestAlgorithms.ResponseHex(algorithm, ha1[..n1], nonce, ncText, cnonce, hasQop, request.MethodBytes, uri, expected);
        Span<byte> given = stackalloc byte[DigestAlgorithms.MaxHex];
        bool match = response.Length == n && Ascii.ToLower(response, given, out _) == OperationStatus.Done
            && CryptographicOperations.FixedTimeEquals(expected[..n], given[..n]);
        if (!match || password is null)
        {
            return new(DigestOutcome.Rejected, username, password is null ? "Unknown user" : "Wrong password");
        }

        if (nonceState == NonceState.Expired)
        {
            return new(DigestOutcome.Stale, username, "Nonce expired");
        }

        if (hasQop && !RecordNonceCount(nc, issuedAt))
        {
            return new(DigestOutcome.Stale, username, "Nonce count replayed");
        }

        return new(DigestOutcome.Authenticated, username, null);
    }

    private enum NonceState
    {
        Fresh,
        Expired,
        Forged,
    }

    private string NewNonce()
    {
        Span<byte> n = stackalloc byte[NonceBytes];
        BinaryPrimitives.WriteInt64BigEndian(n, NextStamp());
        RandomBytes.Fill(n.Slice(8, 8));
        Span<byte> mac = stackalloc byte[32];
        _mac.Compute(n[..16], mac);
        mac[..16].CopyTo(n[16..]);
        return Base64Url.EncodeToString(n); // RFC 4648 §5, unpadded: one string
    }

    private NonceState CheckNonce(ReadOnlySpan<byte> nonce, out long issuedAt)
    {
        issuedAt = 0;
        Span<byte> n = stackalloc byte[NonceBytes + 3];
        if (nonce.Length > 64 || Base64Url.DecodeFromUtf8(nonce, n, out _, out int len) != OperationStatus.Done
            || len != NonceBytes)
        {
            return NonceState.Forged;
        }

        Span<byte> mac = stackalloc byte[32];
        _mac.Compute(n[..16], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..16], n.Slice(16, 16)))
        {
            return NonceState.Forged;
        }

        issuedAt = BinaryPrimitives.ReadInt64BigEndian(n);
        long age = _time.GetUtcNow().ToUnixTimeMilliseconds() - (issuedAt / 1000);
        return age < 0 || age > Options.NonceLifetime.TotalMilliseconds ? NonceState.Expired : NonceState.Fresh;
    }

    /// <summary>
    /// RFC 7616 §3.4.5: each nonce-count is accepted once and must grow. A nonce not in the table is accepted only at nc=1.
    /// Nonces are known by their issue stamp, unique to each (strictly increasing) and covered by the MAC.
    /// </summary>
    private bool RecordNonceCount(uint nc, long issuedAt)
    {
        while (true)
        {
            if (_uses.TryGetValue(issuedAt, out NonceUse? use))
            {
                lock (use)
                {
                    if (nc <= use.HighestCount)
                    {
                        return false;
                    }

                    use.HighestCount = nc;
                    return true;
                }
            }

            if (nc != 1 || issuedAt <= Interlocked.Read(ref _forgottenUpTo))
            {
                return false; // possibly forgotten (restart, eviction): a fresh nonce is cheap, a replay is not
            }

            if (Volatile.Read(ref _useCount) >= Options.MaxTrackedNonces)
            {
                lock (_evicting)
                {
                    if (Volatile.Read(ref _useCount) >= Options.MaxTrackedNonces)
                    {
                        Evict();
                    }
                }
            }

            if (_uses.TryAdd(issuedAt, new NonceUse { HighestCount = 1 }))
            {
                Interlocked.Increment(ref _useCount);
                return true;
            }
        }
    }

    /// <summary>Drops expired nonces; if still full, the oldest half. Their next use is answered stale, never accepted twice.</summary>
    private void Evict()
    {
        long cutoff = (_time.GetUtcNow().ToUnixTimeMilliseconds() - (long)Options.NonceLifetime.TotalMilliseconds) * 1000;
        RaiseForgotten(cutoff);
        foreach (var kv in _uses)
        {
            if (kv.Key < cutoff && _uses.TryRemove(kv))
            {
                Interlocked.Decrement(ref _useCount);
            }
        }

        if (Volatile.Read(ref _useCount) >= Options.MaxTrackedNonces)
        {
            long[] issued = _uses.Keys.Order().ToArray();
            long median = issued[issued.Length / 2];
            RaiseForgotten(median);
            foreach (var kv in _uses)
            {
                if (kv.Key <= median && _uses.TryRemove(kv))
                {
                    Interlocked.Decrement(ref _useCount);
                }
            }
        }
    }

    private long NextStamp()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        while (true)
        {
            long last = Interlocked.Read(ref _lastStamp);
            long next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _lastStamp, next, last) == last)
            {
                return next;
            }
        }
    }

    private void RaiseForgotten(long upTo)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _forgottenUpTo)) < upTo && Interlocked.CompareExchange(ref _forgottenUpTo, upTo, seen) != seen)
        {
        }
    }

    /// <summary>
    /// RFC 2617 §3.2.2.5: the digest-uri names the Request-URI: compared as written, else by user, host and port. It is
    /// "duplicated here because proxies are allowed to change the Request-Line in transit" (§3.2.2), so a uri that
    /// designates this server in another way is accepted too. The response was computed over the uri as the client
    /// sent it either way, and replays are closed by the nonce count, so nothing is given away.
    /// </summary>
    private bool UriMatches(ReadOnlySpan<byte> digestUri, SipMessage request)
    {
        if (digestUri.SequenceEqual(request[request.RequestUriSegment]))
        {
            return true;
        }

        if (!SipUri.TryParse(digestUri.ToArray(), out SipUri d))
        {
            return false;
        }

        SipUri r = request.RequestUri;
        if (d.Scheme == r.Scheme && d.User.SequenceEqual(r.User) && Ascii.EqualsIgnoreCase(d.Host, r.Host) && d.Port == r.Port)
        {
            return true;
        }

        return _servedUri is not null && _servedUri(d);
    }

    private sealed class NonceUse
    {
        public uint HighestCount;
    }
}
