using System.Net;
using System.Text;
using Anchor.Sip.Auth;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Microsoft.Extensions.Time.Testing;

namespace Anchor.Sip.Tests.Auth;

public class DigestTests
{
    private const string Realm = "pbx.test";
    private static readonly ReceivedFrom From = new(new IPEndPoint(IPAddress.Loopback, 5062), TransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5060));

    private static string? Passwords(string user) => user == "101" ? "s3cret-101" : null;

    private static SipMessage Parse(string s) => SipParser.ParseDatagram(Encoding.UTF8.GetBytes(s)).Message!;

    private static string Register(string? authorization = null, string method = "REGISTER", string uri = "sip:pbx.test") =>
        $"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK{Guid.NewGuid():N}\r\nMax-Forwards: 70\r\n" +
        "To: <sip:101@pbx.test>\r\nFrom: <sip:101@pbx.test>;tag=1\r\nCall-ID: reg1\r\n" + $"CSeq: 1 {method}\r\n" +
        (authorization is null ? "" : $"Authorization: {authorization}\r\n") + "Content-Length: 0\r\n\r\n";

    /// <summary>A 401 carrying the authenticator's challenges, as a client would receive it.</summary>
    private static SipMessage Challenge(DigestAuthenticator auth, bool stale = false) =>
        Parse(SipResponseBuilder.Build(Parse(Register()), 401, "Unauthorized", From, "t", auth.ChallengeHeaders(proxy: false, stale)) is var b
            ? Encoding.UTF8.GetString(b) : "");

    private static string Answer(DigestClient client, SipMessage challenge, string method = "REGISTER", string uri = "sip:pbx.test") =>
        client.Answer(challenge, method, uri)!.Value.Value;

    [Theory]
    [InlineData(DigestAlgorithm.Md5)]
    [InlineData(DigestAlgorithm.Sha256)]
    public void Client_answer_to_a_challenge_authenticates(DigestAlgorithm algorithm)
    {
        var auth = new DigestAuthenticator(Realm, new DigestOptions { Algorithms = [algorithm] });
        var client = new DigestClient("101", "s3cret-101");
        string authz = Answer(client, Challenge(auth));
        Assert.Contains($"algorithm={DigestAlgorithms.Name(algorithm)}", authz, StringComparison.Ordinal);
        DigestResult r = auth.Verify(Parse(Register(authz)), proxy: false, Passwords);
        Assert.Equal(DigestOutcome.Authenticated, r.Outcome);
        Assert.Equal("101", r.Username);
    }

    [Fact]
    public void Client_prefers_sha256_when_both_are_offered()
    {
        var auth = new DigestAuthenticator(Realm, new DigestOptions { Algorithms = [DigestAlgorithm.Md5, DigestAlgorithm.Sha256] });
        string authz = Answer(new DigestClient("101", "s3cret-101"), Challenge(auth));
        Assert.Contains("algorithm=SHA-256", authz, StringComparison.Ordinal);
        Assert.Equal(DigestOutcome.Authenticated, auth.Verify(Parse(Register(authz)), false, Passwords).Outcome);
    }

    [Fact]
    public void Unknown_user_and_wrong_password_are_the_same_outcome()
    {
        var auth = new DigestAuthenticator(Realm);
        DigestResult wrong = auth.Verify(Parse(Register(Answer(new DigestClient("101", "guess"), Challenge(auth)))), false, Passwords);
        DigestResult unknown = auth.Verify(Parse(Register(Answer(new DigestClient("999", "guess"), Challenge(auth)))), false, Passwords);
        Assert.Equal(DigestOutcome.Rejected, wrong.Outcome);
        Assert.Equal(DigestOutcome.Rejected, unknown.Outcome);
    }

    [Fact]
    public void Missing_or_foreign_scheme_credentials_mean_challenge_not_failure()
    {
        var auth = new DigestAuthenticator(Realm);
        Assert.Equal(DigestOutcome.Missing, auth.Verify(Parse(Register()), false, Passwords).Outcome);
        SipMessage regaut = SipParser.ParseDatagram(Corpus.Load("regaut01.dat")).Message!;
        Assert.Equal(DigestOutcome.Missing, new DigestAuthenticator("example.com").Verify(regaut, false, Passwords).Outcome);
        string otherRealm = Answer(new DigestClient("101", "s3cret-101"), Challenge(new DigestAuthenticator("elsewhere.test")));
        Assert.Equal(DigestOutcome.Missing, auth.Verify(Parse(Register(otherRealm)), false, Passwords).Outcome);
    }

    [Fact]
    public void Replayed_nonce_count_is_stale_and_a_growing_count_is_accepted()
    {
        var auth = new DigestAuthenticator(Realm);
        var client = new DigestClient("101", "s3cret-101");
        SipMessage challenge = Challenge(auth);
        string first = Answer(client, challenge);
        Assert.Equal(DigestOutcome.Authenticated, auth.Verify(Parse(Register(first)), false, Passwords).Outcome);
        Assert.Equal(DigestOutcome.Stale, auth.Verify(Parse(Register(first)), false, Passwords).Outcome);
        string second = Answer(client, challenge); // same nonce, nc=2
        Assert.Contains("nc=00000002", second, StringComparison.Ordinal);
        Assert.Equal(DigestOutcome.Authenticated, auth.Verify(Parse(Register(second)), false, Passwords).Outcome);
    }

    [Fact]
    public void Expired_nonce_is_stale()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var auth = new DigestAuthenticator(Realm, time: clock);
        string authz = Answer(new DigestClient("101", "s3cret-101"), Challenge(auth));
        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(DigestOutcome.Stale, auth.Verify(Parse(Register(authz)), false, Passwords).Outcome);
    }

    [Fact]
    public void Nonce_from_another_server_is_rejected()
    {
        var other = new DigestAuthenticator(Realm);
        var auth = new DigestAuthenticator(Realm);
        string authz = Answer(new DigestClient("101", "s3cret-101"), Challenge(other));
        Assert.Equal(DigestOutcome.Rejected, auth.Verify(Parse(Register(authz)), false, Passwords).Outcome);
    }

    [Fact]
    public void Response_for_another_request_uri_is_rejected()
    {
        var auth = new DigestAuthenticator(Realm);
        string authz = Answer(new DigestClient("101", "s3cret-101"), Challenge(auth), uri: "sip:other.test");
        Assert.Equal(DigestOutcome.Rejected, auth.Verify(Parse(Register(authz)), false, Passwords).Outcome);
    }

    [Fact]
    public void Malformed_credentials_are_malformed()
    {
        var auth = new DigestAuthenticator(Realm);
        Assert.Equal(DigestOutcome.Malformed, auth.Verify(Parse(Register("Digest realm=\"pbx.test\", username=\"101\"")), false, Passwords).Outcome);
        Assert.Equal(DigestOutcome.Malformed, auth.Verify(Parse(Register("Digest realm=\"pbx.test\",, username")), false, Passwords).Outcome);
    }

    [Fact]
    public void Tracked_nonces_stay_bounded_and_forgotten_ones_are_never_accepted_twice()
    {
        var auth = new DigestAuthenticator(Realm, new DigestOptions { MaxTrackedNonces = 10 });
        var client = new DigestClient("101", "s3cret-101");
        var used = new List<(SipMessage Challenge, string Authz)>();
        for (int i = 0; i < 50; i++)
        {
            SipMessage c = Challenge(auth);
            string a = Answer(client, c);
            Assert.Equal(DigestOutcome.Authenticated, auth.Verify(Parse(Register(a)), false, Passwords).Outcome);
            used.Add((c, a));
            Assert.True(auth.TrackedNonces <= 10);
        }

        foreach (var (_, authz) in used)
        {
            Assert.Equal(DigestOutcome.Stale, auth.Verify(Parse(Register(authz)), false, Passwords).Outcome);
        }
    }

    [Fact]
    public void Rfc2617_md5_known_answer()
    {
        string ha1 = DigestAlgorithms.Ha1(DigestAlgorithm.Md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
        string r = DigestAlgorithms.Response(DigestAlgorithm.Md5, ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth", "GET", "/dir/index.html");
        Assert.Equal("6629fae49393a05397450978507c4ef1", r);
    }

    [Fact]
    public void Rfc7616_sha256_known_answer()
    {
        string ha1 = DigestAlgorithms.Ha1(DigestAlgorithm.Sha256, "Mufasa", "http-auth@example.org", "Circle of Life");
        string r = DigestAlgorithms.Response(DigestAlgorithm.Sha256, ha1, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth", "GET", "/dir/index.html");
        Assert.Equal("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", r);
    }

    [Fact]
    public void Parameters_are_read_unquoted_and_unescaped_by_name_in_any_case_the_last_of_a_repeated_one()
    {
        Assert.True(DigestParameters.TryParse("Digest USERNAME=\"a\\\"b\\\\c\", realm=pbx.test, nc=00000001, realm=\"other\", qop=auth"u8, out DigestParameters? p));
        Assert.Equal("a\"b\\c", p!.Username);
        Assert.Equal("other", p.Realm);
        Assert.Equal("00000001", p.NonceCount);
        Assert.True(p.TryGet("QOP"u8, out ReadOnlySpan<byte> qop) && qop.SequenceEqual("auth"u8));
        Assert.Null(p.Opaque);
        Assert.False(DigestParameters.TryParse("Basic dXNlcjpwYXNz"u8, out _));
        Assert.False(DigestParameters.TryParse("Digest username=\"unterminated"u8, out _));
    }

    [Fact]
    public void A_response_in_upper_case_hex_is_the_same_response_and_one_of_another_length_is_wrong()
    {
        var auth = new DigestAuthenticator(Realm);
        string authz = Answer(new DigestClient("101", "s3cret-101"), Challenge(auth));
        string response = System.Text.RegularExpressions.Regex.Match(authz, "response=\"([0-9a-f]+)\"").Groups[1].Value;
        Assert.Equal(DigestOutcome.Authenticated, auth.Verify(Parse(Register(authz.Replace(response, response.ToUpperInvariant(), StringComparison.Ordinal))), false, Passwords).Outcome);

        string other = Answer(new DigestClient("101", "s3cret-101"), Challenge(auth));
        string r2 = System.Text.RegularExpressions.Regex.Match(other, "response=\"([0-9a-f]+)\"").Groups[1].Value;
        Assert.Equal(DigestOutcome.Rejected, auth.Verify(Parse(Register(other.Replace(r2, r2 + "00", StringComparison.Ordinal))), false, Passwords).Outcome);
    }
}
