namespace Anchor.Benchmarks;

/// <summary>
/// Bytes the server allocates per REGISTER, in process (not a BenchmarkDotNet job, whose Allocated column also counts the
/// benchmark's own phone: its request text, its MD5 and its reading of the answers). The path of
/// <see cref="RegistrarBenchmarks"/> without SQLite, N registrations to warm up, then N counted.
/// Run: dotnet run -c Release --project bench/Anchor.Benchmarks -- allocated [N].
/// </summary>
public static class ServerAllocation
{
    public static void Run(int registrations)
    {
        var bench = new RegistrarBenchmarks();
        bench.Setup();
        try
        {
            for (int i = 0; i < registrations; i++)
            {
                bench.Register();
            }

            long[] sum = new long[2];
            bench.ServerAllocated = sum;
            for (int i = 0; i < registrations; i++)
            {
                bench.Register();
            }

            Console.WriteLine($"{registrations} registrations, bytes the server allocated per request: " +
                $"{sum[0] / (double)registrations:F0} for REGISTER → 401, {sum[1] / (double)registrations:F0} for REGISTER with credentials → 200");
        }
        finally
        {
            bench.Cleanup();
        }
    }
}
