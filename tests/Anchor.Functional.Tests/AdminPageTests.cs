using System.Net;
using Microsoft.Playwright;

namespace Anchor.Functional.Tests;

/// <summary>
/// The admin page in a real headless Chromium (Debian's, driven by Playwright's own driver; nothing downloaded), against
/// the running host with SIPp phones: log in, see a phone registered and a call live, open its record, its diagnosis
/// and its ladder. Screenshots go to the test output's screenshots folder.
/// </summary>
public class AdminPageTests
{
    [Fact]
    public async Task Log_in_see_the_phone_and_the_live_call_then_its_record_diagnosis_and_ladder()
    {
        (int min, int max, _) = TrunkTests.MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c =>
            c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}", Anchor = "Trunk" });
        int calleePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", calleePort)).ExitCode);

        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await AdminBrowser.LaunchAsync(playwright);
        IPage page = await AdminBrowser.PageAsync(browser);
        string site = $"http://127.0.0.1:{pbx.HttpPort}";
        string shots = AdminBrowser.Screenshots();

        // Not logged in: the login form. A wrong password says so; the right one opens the dashboard.
        await page.GotoAsync(site + "/");
        Assert.EndsWith("/login", page.Url, StringComparison.Ordinal);
        await page.FillAsync("input[name=password]", "wrong-password");
        await page.ClickAsync("button[type=submit]");
        Assert.Contains("Unknown user or wrong password", await page.TextContentAsync("[role=alert]"), StringComparison.Ordinal);
        await page.FillAsync("input[name=password]", PbxHost.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(site + "/");
        Assert.Contains("102", await page.TextContentAsync("#registrations tbody"), StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{calleePort}", await page.TextContentAsync("#registrations tbody"), StringComparison.Ordinal);

        // An extension added from the form: a bad number is refused beside its field; a good one shows its password once,
        // and a SIPp phone registers with it at once.
        await page.ClickAsync("nav >> text=Extensions");
        await page.FillAsync("input[name=number]", "1");
        await page.ClickAsync("form.filters button[type=submit]");
        Assert.Contains("2 to 10 digits", await page.TextContentAsync("#number-error"), StringComparison.Ordinal);
        await page.FillAsync("input[name=number]", "105");
        await page.FillAsync("input[name=name]", "Eve");
        await page.ClickAsync("form.filters button[type=submit]");
        string made = await page.TextContentAsync("#made") ?? "";
        var shown = System.Text.RegularExpressions.Regex.Match(made, @"Its password is (\S+) and");
        Assert.True(shown.Success, made);
        int evePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("105", evePort, password: shown.Groups[1].Value)).ExitCode);
        await page.ClickAsync("nav >> text=Extensions");
        Assert.Contains("yes", await page.TextContentAsync("#extensions tbody tr:has-text('105') >> td:nth-child(4)"), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "extensions.png"), FullPage = true });

        // A new password for 105 from its row: shown once; the old one no longer registers, the new one does.
        await page.ClickAsync("#extensions tbody tr:has-text('105') >> button:text('New password')");
        var renewed = System.Text.RegularExpressions.Regex.Match(await page.TextContentAsync("#made") ?? "", @"new password: (\S+) \(");
        Assert.True(renewed.Success, await page.TextContentAsync("#made"));
        Sipp.Result stale = await Sipp.RunAsync("register-refused.xml", pbx.Port, "u1", 1, 10, 20, "127.0.0.1", FreePort.Next(),
            ["-s", "105", "-au", "105", "-ap", shown.Groups[1].Value]);
        Assert.True(stale.ExitCode == 0, "the old password still registers: " + stale.Output);
        Assert.Equal(0, (await pbx.RegisterAsync("105", evePort, password: renewed.Groups[1].Value)).ExitCode);
        await page.ClickAsync("nav >> text=Dashboard");

        // A call Anchor answers (the echo test), whose caller sends no RTP at all: it appears live, then is hung up.
        Task<Sipp.Result> echo = Sipp.RunAsync("feature-call.xml", pbx.Port, "u1", 1, 10, 30, "127.0.0.1", FreePort.Next(),
            ["-s", "*43", "-au", "101", "-ap", PbxHost.Passwords["101"], "-set", "me", "101"]);
        await page.WaitForSelectorAsync("#active-calls tbody tr:has-text('*43'):has-text('Answered')");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "dashboard-live-call.png"), FullPage = true });
        await Task.Delay(2500); // long enough for the silence to be a finding, not a call set-up
        using (AdminClient api = await pbx.AdminAsync())
        {
            string id = (await api.GetAsync("/api/calls")).Json.EnumerateArray().Single().GetProperty("id").GetString()!;
            Assert.Equal(HttpStatusCode.Accepted, (await api.Http.DeleteAsync("/api/calls/" + Uri.EscapeDataString(id))).StatusCode);
        }

        Sipp.Result echoed = await echo;
        Assert.True(echoed.ExitCode == 0, echoed.Output + pbx.Output);
        await page.WaitForSelectorAsync("#active-count:text-is('0')");

        // A proxied call 101 -> 102.
        Task<Sipp.Result> callee = PbxHost.CalleeAsync("uas-answer.xml", calleePort);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync("call.xml", "102");
        Assert.True(caller.ExitCode == 0, caller.Output + pbx.Output);
        Assert.Equal(0, (await callee).ExitCode);

        // The history lists both; the echo call's page names the silent side.
        await page.ClickAsync("nav >> text=Call history");
        await page.WaitForSelectorAsync("#history tbody tr:has-text('102')");
        Assert.Equal(2, await page.Locator("#history tbody tr").CountAsync());
        await page.ClickAsync("#history tbody tr:has-text('*43') >> text=details");
        Assert.True(await page.Locator("ul.diagnosis").CountAsync() == 1, page.Url + "\n" + await page.ContentAsync() + pbx.Output);
        string diagnosis = await page.TextContentAsync("ul.diagnosis") ?? "";
        Assert.Contains("no audio from 101: its SDP said 127.0.0.1:", diagnosis, StringComparison.Ordinal);
        Assert.Contains("but no packet ever arrived", diagnosis, StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "call-diagnosis.png"), FullPage = true });

        // The proxied call's ladder: every message of the dialog, between 101, Anchor and 102; one opens to its full text.
        await page.GoBackAsync();
        await page.ClickAsync("#history tbody tr:has-text('102') >> text=details");
        IReadOnlyList<string> arrows = await page.Locator(".ladder .msg summary").AllTextContentsAsync();
        foreach (string expected in new[] { "INVITE sip:102@", "SIP/2.0 407", "SIP/2.0 100", "SIP/2.0 180", "SIP/2.0 200 OK", "ACK sip:", "BYE sip:" })
        {
            Assert.True(arrows.Any(a => a.StartsWith(expected, StringComparison.Ordinal)), $"no {expected} in the ladder: {string.Join(" | ", arrows)}");
        }

        Assert.Contains(await page.Locator(".ladder .party").AllTextContentsAsync(), p => p.StartsWith("102 (127.0.0.1:", StringComparison.Ordinal));
        await page.Locator(".ladder .msg summary").First.ClickAsync();
        Assert.Contains("Call-ID:", await page.Locator(".ladder .msg pre").First.TextContentAsync() ?? "", StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "call-ladder.png"), FullPage = true });
    }
}
