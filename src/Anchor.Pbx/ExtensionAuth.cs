using System.Text;
using Anchor.Pbx.Model;
using Anchor.Sip.Auth;
using Anchor.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx;

/// <summary>
/// Digest authentication of the office's extensions, shared by the registrar (401) and the proxy (407): the request
/// either proves an extension or is answered here with a challenge (or 400 for credentials that do not parse).
/// Failures are logged as security events; the first, credential-less request of every exchange is not a failure.
/// </summary>
public sealed class ExtensionAuth
{
    private readonly DigestAuthenticator _auth;
    private readonly SnapshotSource _config;
    private readonly ILogger _log;

    public ExtensionAuth(DigestAuthenticator auth, SnapshotSource config, ILogger log)
    {
        _auth = auth;
        _config = config;
        _log = log;
    }

    public bool IsExtension(string number) => _config.Current.Extensions.ContainsKey(number);

    /// <summary>Counts failed authentications toward bans; null when the PBX runs without one.</summary>
    public Security.SourceGuard? Guard { get; set; }

    /// <returns>The authenticated extension number, or null when the transaction has been answered.</returns>
    public string? Authenticate(ServerTransaction tx, bool proxy)
    {
        IReadOnlyDictionary<string, Extension> extensions = _config.Current.Extensions;
        Extension? ext = null;
        DigestResult r = _auth.Verify(tx.Request, proxy, user => extensions.TryGetValue(user, out ext) ? ext.Password : null);
        switch (r.Outcome)
        {
            case DigestOutcome.Authenticated:
                // The extension's own Number, not the copy parsed from this request: it is what bindings and calls keep.
                return ext?.Number ?? r.Username;
            case DigestOutcome.Malformed:
                tx.Respond(400, "Bad Request (" + r.Reason + ")");
                return null;
            default:
                if (r.Outcome == DigestOutcome.Rejected)
                {
                    PbxLog.AuthenticationFailed(_log, Encoding.ASCII.GetString(tx.Request.MethodBytes), r.Username, tx.From.Remote, r.Reason);
                    Guard?.OnAuthFailure(tx.From.Remote, r.Username);
                }

                // Missing, rejected and stale all get a fresh challenge: an unknown user looks like a wrong password. Sent
                // statelessly (§8.2.7): a retransmission is just challenged again, and a flood of them holds no state.
                tx.RespondStateless(proxy ? 407 : 401, proxy ? "Proxy Authentication Required" : "Unauthorized",
                    _auth.ChallengeHeaders(proxy, stale: r.Outcome == DigestOutcome.Stale));
                return null;
        }
    }
}
