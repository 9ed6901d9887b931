using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Anchor.Functional.Tests;

/// <summary>Extensions changed through the API while Anchor runs: live at once for SIPp phones, kept across a restart, bad changes refused whole.</summary>
public class LiveExtensionTests
{
    [Fact]
    public async Task An_extension_made_from_the_api_registers_at_once_survives_a_restart_and_goes_when_deleted()
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        using AdminClient admin = await pbx.AdminAsync();

        HttpResponseMessage made = await admin.Http.PostAsJsonAsync("/api/extensions", new { number = "104", name = "Dave" });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        JsonElement body = await made.Content.ReadFromJsonAsync<JsonElement>();
        string password = body.GetProperty("password").GetString()!;
        Assert.True(password.Length >= 12, password);
        Assert.Matches("^[0-9]{6}$", body.GetProperty("voicemailPin").GetString()!);
        Assert.Equal(0, (await pbx.RegisterAsync("104", FreePort.Next(), password: password)).ExitCode);
        Assert.DoesNotContain(password, (await admin.GetAsync("/api/extensions")).Text, StringComparison.Ordinal);

        // Bad changes: refused with every error by field, and nothing changes.
        HttpResponseMessage bad = await admin.Http.PostAsJsonAsync("/api/extensions", new { number = "105", password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("password", out _));
        HttpResponseMessage badNumber = await admin.Http.PostAsJsonAsync("/api/extensions", new { number = "4x" });
        Assert.True((await badNumber.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("number", out _));
        Assert.Equal(HttpStatusCode.Conflict, (await admin.Http.PostAsJsonAsync("/api/extensions", new { number = "101" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.GetAsync("/api/extensions/105")).StatusCode);
        Assert.Equal(4, (await admin.GetAsync("/api/extensions")).Json.GetArrayLength());

        // A new password: the old one stops working at once, the new one works.
        HttpResponseMessage reset = await admin.Http.PutAsJsonAsync("/api/extensions/104", new { resetPassword = true });
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        string renewed = (await reset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("password").GetString()!;
        Assert.NotEqual(password, renewed);
        Sipp.Result old = await Sipp.RunAsync("register-refused.xml", pbx.Port, "u1", 1, 10, 20, "127.0.0.1", FreePort.Next(), ["-s", "104", "-au", "104", "-ap", password]);
        Assert.True(old.ExitCode == 0, "the old password still works: " + old.Output);

        // The dial plan: a bad rule is named by its place; a good plan replaces the file's and is read back.
        HttpResponseMessage badPlan = await admin.Http.PutAsJsonAsync("/api/dialplan", new[] { new { pattern = "<9:>1xxxxxxxxxx", trunk = "nowhere" } });
        Assert.Equal(HttpStatusCode.BadRequest, badPlan.StatusCode);
        Assert.True((await badPlan.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("[0].trunk", out _), await badPlan.Content.ReadAsStringAsync());
        Assert.Equal(0, (await admin.GetAsync("/api/dialplan")).Json.GetArrayLength());

        // Hunt groups replaced whole: a bad strategy is named by its group; a good group (the SPA9000's syntax) is read back.
        HttpResponseMessage badGroups = await admin.Http.PutAsJsonAsync("/api/huntgroups", new[] { new { number = "600", members = new[] { "101", "102" }, strategy = "Sideways" } });
        Assert.True((await badGroups.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("[0].strategy", out _));
        HttpResponseMessage groups = await admin.Http.PutAsJsonAsync("/api/huntgroups", new[] { new { spa = "600:name=\"Sales\",101,104,hunt=ne;15;60" } });
        Assert.True(groups.StatusCode == HttpStatusCode.OK, await groups.Content.ReadAsStringAsync());
        Assert.Contains("HuntGroups", (await groups.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("applied").EnumerateArray().Select(a => a.GetString()));

        // Restart: the change is kept (the database's overlay on the file).
        await pbx.RestartAsync();
        using AdminClient after = await pbx.AdminAsync();
        Assert.Equal("Dave", (await after.GetAsync("/api/extensions/104")).Json.GetProperty("name").GetString());
        Assert.Contains("600:", Assert.Single((await after.GetAsync("/api/huntgroups")).Json.EnumerateArray()).GetProperty("spa").GetString(), StringComparison.Ordinal);

        // Deleting an extension a hunt group names is refused (the group would name nobody): every error said.
        HttpResponseMessage named = await after.Http.DeleteAsync("/api/extensions/104");
        Assert.Equal(HttpStatusCode.BadRequest, named.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await after.Http.PutAsJsonAsync("/api/huntgroups", Array.Empty<object>())).StatusCode);
        Assert.Equal(0, (await pbx.RegisterAsync("104", FreePort.Next(), password: renewed)).ExitCode);

        // Deleted: its registrations go, and it cannot register any more.
        Assert.Equal(HttpStatusCode.NoContent, (await after.Http.DeleteAsync("/api/extensions/104")).StatusCode);
        Assert.DoesNotContain((await after.GetAsync("/api/registrations")).Json.EnumerateArray(), r => r.GetProperty("extension").GetString() == "104");
        Sipp.Result gone = await Sipp.RunAsync("register-refused.xml", pbx.Port, "u1", 1, 10, 20, "127.0.0.1", FreePort.Next(), ["-s", "104", "-au", "104", "-ap", renewed]);
        Assert.True(gone.ExitCode == 0, "a deleted extension still registers: " + gone.Output);
    }
}
