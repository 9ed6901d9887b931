using System.Globalization;
using Anchor.Pbx.Proxy;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Trunks;

/// <summary>
/// The registration client of one trunk (RFC 3261 §10.2): REGISTER to the ITSP's proxy with the trunk's account,
/// answering 401/407 with its credentials (a fresh nonce after stale=true), refreshed before the granted expiry,
/// retried with doubling back-off (2 s to 5 min) while it fails, and removed (Expires: 0) on a clean stop.
/// </summary>
public sealed class TrunkRegistration : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromMinutes(5);

    private readonly Trunk _trunk;
    private readonly TransactionLayer _transactions;
    private readonly LocalAddresses _local;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly string _userAgent;
    private readonly string _callId = SipIds.NewCallId();
    private readonly string _fromTag = SipIds.NewTag();
    private readonly CancellationTokenSource _stop = new();
    private uint _cseq;
    private Task? _loop;
    private int _granted;

    /// <summary>The trunk this registers.</summary>
    public Trunk Trunk => _trunk;

    public TrunkRegistration(Trunk trunk, TransactionLayer transactions, LocalAddresses local, TimeProvider time, ILogger log, string userAgent)
    {
        _trunk = trunk;
        _transactions = transactions;
        _local = local;
        _time = time;
        _log = log;
        _userAgent = userAgent;
    }

    /// <summary>Number of REGISTER requests sent (for tests and the admin page).</summary>
    public int Attempts { get; private set; }

    public void Start()
    {
        _trunk.State = TrunkRegistrationState.Registering;
        _loop = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        TimeSpan backoff = FirstRetry;
        int expires = _trunk.Options.RegisterExpires;
        while (!_stop.IsCancellationRequested)
        {
            TimeSpan wait;
            (bool ok, string? error, int minExpires) = await RegisterOnceAsync(expires).ConfigureAwait(false);
            if (_stop.IsCancellationRequested)
            {
                return; // stopped while the REGISTER was out (a dead ITSP takes Timer F, 32 s, to give up on)
            }

            if (ok)
            {
                if (_trunk.State != TrunkRegistrationState.Registered)
                {
                    _log.LogInformation("Trunk {Trunk} registered to {Proxy} as {User}@{Domain} for {Expires} s",
                        _trunk.Name, _trunk.Options.Proxy, _trunk.Options.Username, _trunk.Options.Domain, _granted);
                }
                else
                {
                    _log.LogDebug("Trunk {Trunk} registration refreshed for {Expires} s", _trunk.Name, _granted);
                }

                _trunk.State = TrunkRegistrationState.Registered;
                _trunk.LastError = null;
                _trunk.RegisteredUntil = _time.GetUtcNow().AddSeconds(_granted);
                backoff = FirstRetry;

                // Refresh well before expiry: at half the time for short registrations, a minute early for long ones.
                wait = TimeSpan.FromSeconds(Math.Max(1, _granted <= 120 ? _granted / 2.0 : _granted - 60));
            }
            else if (minExpires > 0 && minExpires != expires)
            {
                expires = minExpires; // 423: ask again at once for what the ITSP accepts
                continue;
            }
            else
            {
                _trunk.State = TrunkRegistrationState.Failing;
                _trunk.LastError = error;
                _trunk.RegisteredUntil = null;
                _log.LogWarning("Trunk {Trunk} registration to {Proxy} failed: {Error}; retrying in {Delay} s",
                    _trunk.Name, _trunk.Options.Proxy, error, backoff.TotalSeconds);
                wait = backoff;
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxRetry.Ticks));
            }

            try
            {
                await Task.Delay(wait, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <returns>Success; else the reason, and the ITSP's Min-Expires after a 423.</returns>
    private async Task<(bool Ok, string? Error, int MinExpires)> RegisterOnceAsync(int expires)
    {
        string? authorization = null;
        for (int round = 0; round < 3; round++)
        {
            SipMessage? response;
            byte[] request = Build(expires, authorization);
            try
            {
                Attempts++;
                response = await _transactions.RequestAsync(request, _trunk.Options.Proxy).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                return (false, e.Message, 0);
            }

            if (response is null)
            {
                return (false, "no answer (timeout or transport error)", 0);
            }

            int status = response.StatusCode;
            if (status is >= 200 and < 300)
            {
                _granted = GrantedExpires(response, expires);
                return (true, null, 0);
            }

            if (status is 401 or 407)
            {
                var answer = _trunk.Credentials.Answer(response, "REGISTER", RequestUri);
                if (answer is null)
                {
                    return (false, $"{status} with a challenge Anchor cannot answer", 0);
                }

                if (round > 0 && !IsStale(response))
                {
                    return (false, $"{status}: the ITSP rejected the trunk's credentials", 0);
                }

                authorization = answer.Value.Key + ": " + answer.Value.Value;
                continue;
            }

            if (status == 423 && response.TryGetHeader("Min-Expires"u8, out ReadOnlySpan<byte> min)
                && int.TryParse(min.Trim((byte)' '), NumberStyles.None, CultureInfo.InvariantCulture, out int minExpires))
            {
                return (false, "423 Interval Too Brief", minExpires);
            }

            return (false, $"{status} {System.Text.Encoding.UTF8.GetString(response.Reason)}", 0);
        }

        return (false, "too many challenges", 0);
    }

    private static bool IsStale(SipMessage response)
    {
        HeaderKind kind = response.StatusCode == 407 ? HeaderKind.ProxyAuthenticate : HeaderKind.WwwAuthenticate;
        return response.TryGetHeader(kind, out ReadOnlySpan<byte> v) && Anchor.Sip.Auth.DigestParameters.TryParse(v, out var p) && p!.Stale;
    }

    private string RequestUri => "sip:" + _trunk.Options.Domain;

    private string ContactUri
    {
        get
        {
            SipEndPoint proxy = _trunk.Options.Proxy;
            string hostPort = LocalAddresses.HostPort(_local.For(proxy.Transport, proxy.EndPoint));
            return $"sip:{_trunk.Options.Username}@{hostPort}" + (proxy.Transport == TransportKind.Tcp ? ";transport=tcp" : "");
        }
    }

    private byte[] Build(int expires, string? authorization)
    {
        TrunkOptions o = _trunk.Options;
        string self = LocalAddresses.HostPort(_local.For(o.Proxy.Transport, o.Proxy.EndPoint));
        string aor = $"<sip:{o.Username}@{o.Domain}>";
        var w = new SipMessageWriter(700);
        w.RequestLine("REGISTER"u8, System.Text.Encoding.UTF8.GetBytes(RequestUri));
        w.Header("Via", $"SIP/2.0/{(o.Proxy.Transport == TransportKind.Tcp ? "TCP" : "UDP")} {self};branch={SipIds.NewBranch()};rport");
        w.Header("Max-Forwards", "70");
        w.Header("From", $"{aor};tag={_fromTag}");
        w.Header("To", aor);
        w.Header("Call-ID", _callId);
        w.Header("CSeq", $"{Interlocked.Increment(ref _cseq)} REGISTER");
        w.Header("Contact", $"<{ContactUri}>");
        w.Header("Expires", expires.ToString(CultureInfo.InvariantCulture));
        w.Header("User-Agent", _userAgent);
        if (authorization is not null)
        {
            w.Raw(System.Text.Encoding.UTF8.GetBytes(authorization)).Raw("\r\n"u8);
        }

        return w.Finish();
    }

    /// <summary>§10.2.4: the expiry the registrar granted our contact (its expires parameter, else Expires, else what we asked).</summary>
    private int GrantedExpires(SipMessage ok, int asked)
    {
        var contacts = new List<NameAddress>();
        if (ok.TryGetContacts(contacts))
        {
            string ours = ContactUri;
            foreach (NameAddress c in contacts)
            {
                if (string.Equals(c.Uri.ToString(), ours, StringComparison.OrdinalIgnoreCase) && c.Expires >= 0)
                {
                    return (int)c.Expires;
                }
            }
        }

        return ok.Expires >= 0 ? (int)ok.Expires : asked;
    }

    /// <summary>Stops refreshing and removes the registration (waiting at most a few seconds for the ITSP).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            // Not for a REGISTER still out to a dead ITSP: a stop (or the trunk's removal) must not wait its Timer F.
            await Task.WhenAny(_loop, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        }

        if (_trunk.State == TrunkRegistrationState.Registered)
        {
            try
            {
                Task<(bool, string?, int)> remove = RegisterOnceAsync(0);
                if (await Task.WhenAny(remove, Task.Delay(TimeSpan.FromSeconds(3))).ConfigureAwait(false) == remove && remove.Result.Item1)
                {
                    _log.LogInformation("Trunk {Trunk} unregistered", _trunk.Name);
                }
            }
            catch (ObjectDisposedException)
            {
                // The transport went first: nothing more to do.
            }
        }

        _trunk.State = TrunkRegistrationState.Disabled;
        if (_loop is null || _loop.IsCompleted)
        {
            _stop.Dispose(); // else the loop still reads its token; it ends when that REGISTER does
        }
    }
}
