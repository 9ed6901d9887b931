namespace Anchor.Functional.Tests;

/// <summary>Waiting for what a running program will do (a log line, a counter): polled every 100 ms, bounded.</summary>
internal static class Eventually
{
    /// <summary>Whether <paramref name="condition"/> held within <paramref name="timeout"/>; the caller asserts what it means.</summary>
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan timeout)
    {
        DateTime end = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < end)
        {
            await Task.Delay(100);
        }

        return condition();
    }
}
