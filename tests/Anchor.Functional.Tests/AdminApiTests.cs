using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Anchor.Functional.Tests;

/// <summary>The admin API over real HTTP against the running host, with SIPp phones making the registrations and calls it reports.</summary>
public class AdminApiTests
{
    private static readonly string[] ReadPaths = ["/api/registrations", "/api/calls", "/api/cdrs", "/api/extensions", "/api/extensions/101", "/api/trunks", "/api/system"];

    [Fact]
    public async Task Every_endpoint_needs_the_admin_and_no_answer_carries_a_secret()
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        int phonePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("101", phonePort)).ExitCode);

        // Nobody logged in: 401 problem details everywhere but the OpenAPI document.
        using var anonymous = new AdminClient(pbx.HttpPort);
        foreach (string path in ReadPaths.Append("/metrics"))
        {
            HttpResponseMessage r = await anonymous.Http.GetAsync(path);
            Assert.True(r.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)r.StatusCode}");
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.OK, (await anonymous.Http.GetAsync("/openapi/v1.json")).StatusCode);

        // Unknown user and wrong password: the same answer.
        HttpResponseMessage wrong = await anonymous.LoginAsync("not-the-password");
        HttpResponseMessage unknown = await anonymous.LoginAsync(PbxHost.AdminPassword, user: "root");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(Detail(await wrong.Content.ReadAsStringAsync()), Detail(await unknown.Content.ReadAsStringAsync()));

        // The admin: the session cookie is HttpOnly and SameSite=Strict.
        using AdminClient admin = new(pbx.HttpPort);
        HttpResponseMessage login = await admin.LoginAsync(PbxHost.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        string cookie = login.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        JsonElement regs = (await admin.GetAsync("/api/registrations")).Json;
        JsonElement reg = Assert.Single(regs.EnumerateArray());
        Assert.Equal("101", reg.GetProperty("extension").GetString());
        Assert.Equal($"127.0.0.1:{phonePort}", reg.GetProperty("source").GetString());
        Assert.Equal("udp", reg.GetProperty("transport").GetString());
        Assert.True(reg.GetProperty("expires").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.True((await admin.GetAsync("/api/extensions/101")).Json.GetProperty("registered").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.GetAsync("/api/extensions/999")).StatusCode);

        // A change with the cookie but without the CSRF header is refused; with it, a bearer token is made.
        using (var noCsrf = new HttpRequestMessage(HttpMethod.Post, "/api/tokens"))
        {
            admin.Http.DefaultRequestHeaders.Remove("X-CSRF-Token");
            Assert.Equal(HttpStatusCode.Forbidden, (await admin.Http.SendAsync(noCsrf)).StatusCode);
            admin.Http.DefaultRequestHeaders.Add("X-CSRF-Token", admin.Csrf);
        }

        HttpResponseMessage made = await admin.Http.PostAsync("/api/tokens", null);
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        string token = (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using var script = new AdminClient(pbx.HttpPort);
        script.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        string metrics = await script.Http.GetStringAsync("/metrics");
        Assert.Contains("anchor_registrations{", metrics, StringComparison.Ordinal);
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("anchor_registrations{", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("anchor_sip_received_total{", StringComparison.Ordinal) && l.Contains("method=\"REGISTER\"", StringComparison.Ordinal)
            && double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture) >= 2); // with credentials, and the first without
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("anchor_sip_sent_total{", StringComparison.Ordinal) && l.Contains("status=\"401\"", StringComparison.Ordinal));
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("anchor_security_auth_failures_total{", StringComparison.Ordinal) && l.EndsWith(" 2", StringComparison.Ordinal));
        // A read-only token reads, and any change it asks for is 403.
        HttpResponseMessage madeRead = await admin.Http.PostAsJsonAsync("/api/tokens", new { readOnly = true });
        string reader = (await madeRead.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        script.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", reader);
        Assert.Equal(HttpStatusCode.OK, (await script.Http.GetAsync("/api/registrations")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await script.Http.PostAsJsonAsync("/api/extensions", new { number = "150" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await script.Http.DeleteAsync("/api/calls/x")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.GetAsync("/api/extensions/150")).StatusCode);
        script.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.Http.GetAsync("/api/system")).StatusCode);

        // No secret in anything the API says: the extensions' passwords, the admin's, the demo PINs.
        string[] secrets = [.. PbxHost.Passwords.Values, PbxHost.AdminPassword];
        foreach (string path in ReadPaths.Append("/openapi/v1.json"))
        {
            string text = await admin.Http.GetStringAsync(path);
            Assert.DoesNotContain(secrets, s => text.Contains(s, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(secrets, s => metrics.Contains(s, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the same with Storage:Provider = Postgres, against a real server
    public async Task Calls_leave_records_that_survive_kill_9_and_the_admin_can_hang_up_a_call(bool postgres)
    {
        (int min, int max, _) = TrunkTests.MediaRange();
        await using PostgresServer? pg = postgres ? await PostgresServer.StartAsync() : null;
        string data = Directory.CreateTempSubdirectory("anchor-data-").FullName;
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c =>
        {
            c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}", Anchor = "Trunk" };
            if (pg is not null)
            {
                c["Storage"] = new { Provider = "Postgres", pg.ConnectionString, DataDirectory = data };
            }
        });
        using AdminClient admin = await pbx.AdminAsync();

        // A proxied phone-to-phone call, 101 to 102, hung up by the caller.
        await pbx.ProxiedCallTo102Async();

        // A call Anchor answers itself (the echo test), hung up from the API while it is up.
        Task<Sipp.Result> echo = Sipp.RunAsync("feature-call.xml", pbx.Port, "u1", 1, 10, 30, "127.0.0.1", FreePort.Next(),
            ["-s", "*43", "-au", "101", "-ap", PbxHost.Passwords["101"], "-set", "me", "101"]);
        JsonElement calls = await admin.WaitAsync("/api/calls", j => j.EnumerateArray().Any(c => c.GetProperty("state").GetString() == "Answered"));
        JsonElement up = calls.EnumerateArray().Single(c => c.GetProperty("to").GetString() == "*43");
        Assert.Equal("anchored", up.GetProperty("media").GetString());
        string id = up.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Accepted, (await admin.Http.DeleteAsync($"/api/calls/{Uri.EscapeDataString(id)}")).StatusCode);
        Sipp.Result echoed = await echo;
        Assert.True(echoed.ExitCode == 0, "echo caller (BYE from Anchor expected): " + echoed.Output + pbx.Output);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.DeleteAsync($"/api/calls/{Uri.EscapeDataString(id)}")).StatusCode);

        // Right after: kill -9, start again on the same data. Both records are there.
        await pbx.KillAndRestartAsync();
        using AdminClient after = await pbx.AdminAsync();
        JsonElement page = (await after.GetAsync("/api/cdrs")).Json;
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        JsonElement[] records = [.. page.GetProperty("records").EnumerateArray()];
        JsonElement internalCall = records.Single(r => r.GetProperty("to").GetString() == "102");
        Assert.Equal("101", internalCall.GetProperty("from").GetString());
        Assert.Equal("Internal", internalCall.GetProperty("direction").GetString());
        Assert.Equal("102", internalCall.GetProperty("answeredBy").GetString());
        Assert.Equal(200, internalCall.GetProperty("sipStatus").GetInt32());
        Assert.Equal("CallerHungUp", internalCall.GetProperty("endReason").GetString());
        Assert.Equal("caller", internalCall.GetProperty("hungUpBy").GetString());
        Assert.True(internalCall.GetProperty("answer").GetDateTimeOffset() >= internalCall.GetProperty("start").GetDateTimeOffset());

        JsonElement echoCall = records.Single(r => r.GetProperty("to").GetString() == "*43");
        Assert.Equal(id, echoCall.GetProperty("id").GetString());
        Assert.Equal("Admin", echoCall.GetProperty("endReason").GetString());
        Assert.Equal("anchor", echoCall.GetProperty("hungUpBy").GetString());
        JsonElement leg = Assert.Single(echoCall.GetProperty("media").EnumerateArray());
        Assert.StartsWith("127.0.0.1:", leg.GetProperty("signalled").GetString(), StringComparison.Ordinal);

        // Filters, CSV, and bad input named field by field.
        Assert.Equal(1, (await after.GetAsync("/api/cdrs?extension=102")).Json.GetProperty("total").GetInt32());
        Assert.Equal(0, (await after.GetAsync("/api/cdrs?direction=inbound")).Json.GetProperty("total").GetInt32());
        Assert.Equal(1, (await after.GetAsync("/api/cdrs?pageSize=1&page=2")).Json.GetProperty("records").GetArrayLength());
        Assert.Equal(0, (await after.GetAsync($"/api/cdrs?until={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O", CultureInfo.InvariantCulture))}")).Json
            .GetProperty("total").GetInt32());
        using (var csv = new HttpRequestMessage(HttpMethod.Get, "/api/cdrs?since=1h"))
        {
            csv.Headers.Accept.ParseAdd("text/csv");
            HttpResponseMessage r = await after.Http.SendAsync(csv);
            string[] lines = (await r.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("text/csv", r.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("id,start,answer,end,duration,billable,from,to", lines[0], StringComparison.Ordinal);
            Assert.Equal(3, lines.Length);
        }

        HttpResponseMessage bad = await after.Http.GetAsync("/api/cdrs?direction=sideways&since=yesterday&page=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        JsonElement errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("direction", out _) && errors.TryGetProperty("since", out _) && errors.TryGetProperty("page", out _), errors.ToString());
    }

    private static string? Detail(string problem) => JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString();

    [Fact]
    public async Task A_phone_whose_registration_keeps_moving_is_a_warning()
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        using AdminClient admin = await pbx.AdminAsync();
        int contact = FreePort.Next();

        // The same Contact registered from four source ports in a row: a NAT that keeps forgetting the phone's mapping.
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(0, (await pbx.RegisterAsync("102", FreePort.Next(), contactPort: contact)).ExitCode);
        }

        Assert.Equal(0, (await pbx.RegisterAsync("103", FreePort.Next())).ExitCode);
        string[] warnings = [.. (await admin.GetAsync("/api/warnings")).Json.EnumerateArray().Select(w => w.GetString()!)];
        string flapping = Assert.Single(warnings);
        Assert.StartsWith("Phone 102 is flapping: its registration changed 3 times in 10 minutes", flapping, StringComparison.Ordinal);
        Assert.Contains("Phone 102 is flapping", await admin.Http.GetStringAsync("/"), StringComparison.Ordinal); // the dashboard shows it too
    }
}
