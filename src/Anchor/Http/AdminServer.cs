using System.Net;
using System.Text.Json.Serialization;
using Anchor.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Anchor.Http;

/// <summary>
/// The admin API (and later the page) on <c>Http:Listen</c>, loopback by default: ASP.NET Core minimal APIs in their
/// own small web host beside the SIP server, reading the PBX's state from it. Every endpoint but login and the OpenAPI
/// document needs the admin's session cookie (with its CSRF header for changes) or a bearer token. An address that
/// cannot be listened on stops start-up naming the key.
/// </summary>
internal sealed class AdminServer : IHostedService, IAsyncDisposable
{
    public const string SessionCookie = "anchor_session";
    public const string CsrfHeader = "X-CSRF-Token";
    private readonly AnchorConfig _config;
    private readonly SipServer _sip;
    private readonly AdminAccount _account;
    private readonly LiveConfiguration _live;
    private readonly ILogger _log;
    private WebApplication? _app;

    public AdminServer(AnchorConfig config, SipServer sip, AdminAccount account, LiveConfiguration live, ILoggerFactory loggers)
    {
        _live = live;
        _config = config;
        _sip = sip;
        _account = account;
        _log = loggers.CreateLogger("Anchor.Http");
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_config.HttpListen is not { } listen)
        {
            return;
        }

        WebApplicationBuilder b = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        b.Logging.ClearProviders();
        b.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        b.Logging.AddFilter("Microsoft", LogLevel.Warning);
        b.WebHost.UseUrls(listen);
        b.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        b.Services.AddProblemDetails();
        b.Services.AddOpenApi();
        b.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(AnchorMetrics.MeterName, Anchor.Sip.Transport.SipMetrics.MeterName).AddPrometheusExporter());
        b.Services.AddSingleton(new AnchorMetrics(_sip));
        _app = b.Build();
        _app.UseExceptionHandler();
        _app.UseStatusCodePages();
        _app.Use(AuthenticateAsync);
        _app.MapOpenApi("/openapi/{documentName}.json");
        _app.MapPrometheusScrapingEndpoint("/metrics");
        _app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "wwwroot")),
            RequestPath = "/static",
        });
        Api.Map(_app, _sip, _account, _live);
        Pages.Map(_app, _sip, _account, _live);
        RoutingPage.Map(_app, _sip, _live);
        _ = _app.Services.GetRequiredService<AnchorMetrics>(); // the meter exists before the first scrape
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException($"Http:Listen: cannot listen on {listen} ({e.Message})", e);
        }

        _log.LogInformation("Admin API on {Listen}", listen);
    }

    /// <summary>
    /// Who is asking: a bearer token, or the session cookie (whose changes must carry its CSRF token: a header for the
    /// API, a form field for the page). A page asked for without a session goes to the login form.
    /// </summary>
    private async Task AuthenticateAsync(HttpContext http, RequestDelegate next)
    {
        string path = http.Request.Path.Value ?? "";
        if (path is "/api/login" or "/login" || path.StartsWith("/openapi/", StringComparison.Ordinal) || path.StartsWith("/static/", StringComparison.Ordinal))
        {
            await next(http).ConfigureAwait(false);
            return;
        }

        bool api = path.StartsWith("/api/", StringComparison.Ordinal) || path == "/metrics";
        string? authorization = http.Request.Headers.Authorization;
        bool changes = !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
        if (api && authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            switch (_account.VerifyToken(authorization["Bearer ".Length..].Trim()))
            {
                case AdminAccount.Right.Admin:
                case AdminAccount.Right.Read when !changes:
                    await next(http).ConfigureAwait(false);
                    return;
                case AdminAccount.Right.Read:
                    await RefuseAsync(http, StatusCodes.Status403Forbidden, "This token may only read (anchor token create --read-only made it)").ConfigureAwait(false);
                    return;
                default:
                    await RefuseAsync(http, StatusCodes.Status401Unauthorized, "The bearer token is not valid").ConfigureAwait(false);
                    return;
            }
        }

        if (_account.FindSession(http.Request.Cookies[SessionCookie]) is not { } session)
        {
            if (!api && HttpMethods.IsGet(http.Request.Method))
            {
                http.Response.Redirect("/login");
                return;
            }

            await RefuseAsync(http, StatusCodes.Status401Unauthorized, "Log in first (POST /api/login) or send a bearer token").ConfigureAwait(false);
            return;
        }

        string? csrf = !changes ? null : api || !http.Request.HasFormContentType
            ? http.Request.Headers[CsrfHeader].ToString()
            : (await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false))["csrf"].ToString();
        if (changes && !string.Equals(csrf, session.Csrf, StringComparison.Ordinal))
        {
            await RefuseAsync(http, StatusCodes.Status403Forbidden, $"A change made with the session cookie needs the {CsrfHeader} header login gave").ConfigureAwait(false);
            return;
        }

        http.Items[nameof(AdminAccount.Session)] = session;
        await next(http).ConfigureAwait(false);
    }

    internal static Task RefuseAsync(HttpContext http, int status, string detail)
    {
        if (status == StatusCodes.Status401Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
        }

        return Results.Problem(detail: detail, statusCode: status).ExecuteAsync(http);
    }

    /// <summary>
    /// A login attempt, for the API and the page alike: a banned address is 429; a failure counts toward the same bans
    /// as SIP brute force and answers late, whatever the limiter allows; a success sets the session cookie.
    /// </summary>
    internal static async Task<(AdminAccount.Session? Session, int Status)> LoginAsync(HttpContext http, SipServer sip, AdminAccount account, string? user, string? password)
    {
        IPEndPoint client = Client(http);
        if (sip.Guard?.IsBanned(client.Address) == true)
        {
            return (null, StatusCodes.Status429TooManyRequests);
        }

        if (!account.Verify(user, password))
        {
            sip.Guard?.OnAuthFailure(client, "http:" + user);
            await Task.Delay(200).ConfigureAwait(false);
            return (null, StatusCodes.Status401Unauthorized);
        }

        AdminAccount.Session s = account.StartSession();
        http.Response.Cookies.Append(SessionCookie, s.Id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/",
            Expires = s.Expires,
        });
        return (s, StatusCodes.Status200OK);
    }

    /// <summary>Ends the session the request's cookie names, and the cookie.</summary>
    internal static void Logout(HttpContext http, AdminAccount account)
    {
        if (http.Request.Cookies[SessionCookie] is { } id)
        {
            account.EndSession(id);
        }

        http.Response.Cookies.Delete(SessionCookie);
    }

    /// <summary>The client's address as the login limiter sees it.</summary>
    internal static IPEndPoint Client(HttpContext http) =>
        new(http.Connection.RemoteIpAddress ?? IPAddress.Loopback, http.Connection.RemotePort);

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }
}
