using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Anchor.Functional.Tests;

/// <summary>The admin API over real HTTP, as a script or the page uses it: cookie session and CSRF header, or a bearer token.</summary>
internal sealed class AdminClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly CookieContainer _cookies = new();

    public AdminClient(int port)
    {
        _http = new HttpClient(new HttpClientHandler { CookieContainer = _cookies, UseCookies = true })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(10),
        };
    }

    public HttpClient Http => _http;

    public CookieContainer Cookies => _cookies;

    public string? Csrf { get; private set; }

    public async Task<HttpResponseMessage> LoginAsync(string password, string user = "admin")
    {
        HttpResponseMessage r = await _http.PostAsJsonAsync("/api/login", new { user, password });
        if (r.IsSuccessStatusCode)
        {
            Csrf = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString();
            _http.DefaultRequestHeaders.Remove("X-CSRF-Token");
            _http.DefaultRequestHeaders.Add("X-CSRF-Token", Csrf);
        }

        return r;
    }

    /// <summary>GETs <paramref name="path"/>, asserts a 200 and returns the JSON with the raw text (for secret checks).</summary>
    public async Task<(JsonElement Json, string Text)> GetAsync(string path)
    {
        HttpResponseMessage r = await _http.GetAsync(path);
        string text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)r.StatusCode} {text}");
        return (JsonDocument.Parse(text).RootElement.Clone(), text);
    }

    /// <summary>Polls <paramref name="path"/> until <paramref name="until"/> holds (at most 10 s); the last answer either way.</summary>
    public async Task<JsonElement> WaitAsync(string path, Func<JsonElement, bool> until)
    {
        JsonElement last = default;
        for (int i = 0; i < 100; i++)
        {
            last = (await GetAsync(path)).Json;
            if (until(last))
            {
                return last;
            }

            await Task.Delay(100);
        }

        return last;
    }

    public void Dispose() => _http.Dispose();
}
