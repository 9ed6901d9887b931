using System.Text.Json;
using Microsoft.Playwright;

namespace Anchor.Functional.Tests;

/// <summary>
/// The routing page in headless Chromium: where the DID rings, the dial plan's rows and the hunt groups' JSON changed
/// from forms, the validator's errors beside the field, and what is saved is what the API and the next call see.
/// </summary>
public class AdminRoutingPageTests
{
    [Fact]
    public async Task The_did_target_the_dial_plan_and_the_hunt_groups_change_from_the_page_with_errors_beside_the_field()
    {
        (int min, int max, _) = TrunkTests.MediaRange();
        // The ITSP is not there (nothing listens on its port): the page still edits the trunk's routing.
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => TrunkTests.Office(c, $"udp:127.0.0.1:{FreePort.Next()}", min, max));
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await AdminBrowser.LaunchAsync(playwright);
        IPage page = await AdminBrowser.PageAsync(browser);
        string site = $"http://127.0.0.1:{pbx.HttpPort}";
        await AdminBrowser.LogInAsync(page, site);
        await page.ClickAsync("nav >> text=Routing");

        // The DID to a target that does not exist: refused beside the field; to 102: saved.
        await page.FillAsync("#trunk-itsp input[name=inbound]", "999");
        await page.ClickAsync("#trunk-itsp button[type=submit]");
        Assert.Contains("999", await page.TextContentAsync("#trunk-itsp #inbound-error") ?? "", StringComparison.Ordinal);
        await page.FillAsync("#trunk-itsp input[name=inbound]", "102");
        await page.ClickAsync("#trunk-itsp button[type=submit]");
        Assert.Equal("Trunk itsp's routing saved.", await SavedAsync(page));
        await page.ClickAsync("nav >> text=Routing");
        Assert.Equal("102", await page.InputValueAsync("#trunk-itsp input[name=inbound]"));

        // The dial plan: a rule pointing at no trunk is refused beside its cell; then a second rule added in the blank row.
        await page.FillAsync("#dialplan tbody tr:nth-child(1) input[name=trunk]", "nowhere");
        await page.ClickAsync("#dialplan button[type=submit]");
        Assert.Contains("nowhere", await page.TextContentAsync("[id='[0].trunk-error']") ?? "", StringComparison.Ordinal);
        await page.FillAsync("#dialplan tbody tr:nth-child(1) input[name=trunk]", "itsp");
        await page.FillAsync("#dialplan tbody tr:nth-child(2) input[name=pattern]", "<8:>xxxx");
        await page.FillAsync("#dialplan tbody tr:nth-child(2) input[name=trunk]", "itsp");
        await page.FillAsync("#dialplan tbody tr:nth-child(2) input[name=class]", "Local");
        await page.ClickAsync("#dialplan button[type=submit]");
        Assert.Equal("Dial plan saved: 2 rule(s).", await SavedAsync(page));

        // Hunt groups as JSON: text that is not JSON, then a member that is no extension, then a good group.
        await page.FillAsync("#huntgroups textarea", "[{ not json");
        await page.ClickAsync("#huntgroups button[type=submit]");
        Assert.Contains("not JSON", await page.TextContentAsync("#huntgroups-errors") ?? "", StringComparison.Ordinal);
        await page.FillAsync("#huntgroups textarea", """[{"number": "600", "name": "Sales", "members": ["101", "999"]}]""");
        await page.ClickAsync("#huntgroups button[type=submit]");
        Assert.Contains("999", await page.TextContentAsync("#huntgroups-errors") ?? "", StringComparison.Ordinal);
        await page.FillAsync("#huntgroups textarea", """[{"number": "600", "name": "Sales", "members": ["101", "102"], "strategy": "Next"}]""");
        await page.ClickAsync("#huntgroups button[type=submit]");
        Assert.Equal("The hunt groups are saved: 1.", await SavedAsync(page));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AdminBrowser.Screenshots(), "routing.png"), FullPage = true });

        // What the page saved is what runs: the API reads it back, and a call to 600 is a hunt group's.
        using AdminClient admin = await pbx.AdminAsync();
        JsonElement plan = (await admin.GetAsync("/api/dialplan")).Json;
        Assert.Equal(2, plan.GetArrayLength());
        Assert.Equal("<8:>xxxx", plan[1].GetProperty("pattern").GetString());
        Assert.Equal("Local", plan[1].GetProperty("class").GetString());
        JsonElement groups = (await admin.GetAsync("/api/huntgroups")).Json;
        Assert.Equal("Next", groups[0].GetProperty("strategy").GetString());
        Assert.Equal(0, (await pbx.RegisterAsync("102", FreePort.Next())).ExitCode);
        await pbx.RestartAsync(); // kept across a restart (the overlay), like the API's changes
        using AdminClient after = await pbx.AdminAsync();
        Assert.Equal(2, (await after.GetAsync("/api/dialplan")).Json.GetArrayLength());
    }

    /// <summary>The page's "saved" line after a form post, or a failure quoting the errors it shows instead.</summary>
    private static async Task<string?> SavedAsync(IPage page)
    {
        await page.WaitForLoadStateAsync();
        if (await page.QuerySelectorAsync("#saved") is { } saved)
        {
            return await saved.TextContentAsync();
        }

        IReadOnlyList<string> alerts = await page.Locator("[role=alert]").AllTextContentsAsync();
        throw new Xunit.Sdk.XunitException("the page did not save: " + string.Join(" | ", alerts));
    }
}
