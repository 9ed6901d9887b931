using Microsoft.Playwright;

namespace Anchor.Functional.Tests;

/// <summary>Debian's Chromium, headless, driven by Playwright's own driver (nothing downloaded), for the admin page's tests.</summary>
internal static class AdminBrowser
{
    public const string Chromium = "/usr/bin/chromium";

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/setup.sh installs Debian's chromium");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public static async Task<IPage> PageAsync(IBrowser browser)
    {
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
        page.SetDefaultTimeout(15_000);
        return page;
    }

    /// <summary>Logs in as the admin through the login form and waits for the dashboard.</summary>
    public static async Task LogInAsync(IPage page, string site)
    {
        await page.GotoAsync(site + "/login");
        await page.FillAsync("input[name=password]", PbxHost.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(site + "/");
    }

    public static string Screenshots() => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
}
