using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Anchor.Configuration;

namespace Anchor.Http;

/// <summary>
/// The admin account of the page and API: user <c>admin</c>, its password from <c>Http:AdminPassword</c> or generated
/// on first start (printed once; only a PBKDF2 hash is kept, in the install's secrets file), session cookies for the
/// page (each with its CSRF token), and bearer tokens for scripts (<c>anchor token create</c>; kept as SHA-256 hashes,
/// so the secrets file never holds a usable token). Unknown user and wrong password cost the same and answer the same.
/// </summary>
public sealed class AdminAccount
{
    public const string User = "admin";
    public const string PasswordKey = "admin-password";
    public const string TokensKey = "api-tokens";
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);
    private const int Iterations = 100_000;
    private readonly SecretStore _store;
    private readonly string _hash;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private HashSet<string> _tokens;

    public AdminAccount(SecretStore store, string? configuredPassword, TimeProvider time, out string? generated)
    {
        _store = store;
        _time = time;
        generated = null;
        if (configuredPassword is not null)
        {
            _hash = Hash(configuredPassword);
        }
        else
        {
            string? made = null;
            _hash = store.Text(PasswordKey, () => Hash(made = NewSecret(12)), out bool created);
            generated = created ? made : null;
        }

        _tokens = ParseTokens(store.Reread(TokensKey));
    }

    public sealed record Session(string Id, string Csrf, DateTimeOffset Expires);

    /// <summary>A random secret of <paramref name="bytes"/> bytes in URL-safe Base64.</summary>
    public static string NewSecret(int bytes) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public bool Verify(string? user, string? password)
    {
        bool ok = VerifyHash(_hash, password ?? "");
        return ok & string.Equals(user, User, StringComparison.Ordinal);
    }

    public Session StartSession()
    {
        var s = new Session(NewSecret(32), NewSecret(24), _time.GetUtcNow() + SessionLifetime);
        _sessions[s.Id] = s;
        foreach (var (id, old) in _sessions)
        {
            if (old.Expires <= _time.GetUtcNow())
            {
                _sessions.TryRemove(id, out _);
            }
        }

        return s;
    }

    public Session? FindSession(string? id) =>
        id is not null && _sessions.TryGetValue(id, out Session? s) && s.Expires > _time.GetUtcNow() ? s : null;

    public void EndSession(string id) => _sessions.TryRemove(id, out _);

    /// <summary>What a bearer token may do: every endpoint, or only read (GET).</summary>
    public enum Right
    {
        None,
        Read,
        Admin,
    }

    /// <summary>A new bearer token: returned once, kept only as its hash (with <c>:read</c> for a read-only one).</summary>
    public string CreateToken(bool readOnly = false)
    {
        string token = CreateToken(_store, readOnly);
        _tokens = ParseTokens(_store.Reread(TokensKey));
        return token;
    }

    /// <summary>What <c>anchor token create</c> does, without a running server.</summary>
    public static string CreateToken(SecretStore store, bool readOnly = false)
    {
        string token = "anc_" + NewSecret(32);
        string entry = TokenHash(token) + (readOnly ? ":read" : "");
        store.Update(TokensKey, old => string.IsNullOrEmpty(old) ? entry : old + " " + entry);
        return token;
    }

    public Right VerifyToken(string token)
    {
        string hash = TokenHash(token);
        if (RightOf(hash) is var known && known != Right.None)
        {
            return known;
        }

        // Made by the CLI since: the file is read again (only when it was written since, and only for a token not known yet).
        _tokens = ParseTokens(_store.Reread(TokensKey));
        return RightOf(hash);
    }

    private Right RightOf(string hash) => _tokens.Contains(hash) ? Right.Admin : _tokens.Contains(hash + ":read") ? Right.Read : Right.None;

    private static HashSet<string> ParseTokens(string? text) =>
        new((text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    private static string TokenHash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Hash(string password)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        byte[] key = Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, 32);
        return $"pbkdf2-sha256${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(key)}";
    }

    private static bool VerifyHash(string stored, string password)
    {
        string[] parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2-sha256" || !int.TryParse(parts[1], out int iterations))
        {
            return false;
        }

        byte[] salt = Convert.FromBase64String(parts[2]);
        byte[] expected = Convert.FromBase64String(parts[3]);
        byte[] actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
