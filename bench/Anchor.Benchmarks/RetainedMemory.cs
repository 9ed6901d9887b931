namespace Anchor.Benchmarks;

/// <summary>
/// Managed memory kept per registered phone, in process (not a BenchmarkDotNet job): the registrar path of
/// <see cref="RegistrarBenchmarks"/> with N extensions, each phone registering from a port of its own. Like
/// bench/sip-load's memory figure, the same N registrations are made first with Expires: 0 (the same code paths and
/// transactions, nothing kept), then with Expires: 3600; the difference of the heaps after a full collection, divided
/// by N, is what one registered phone costs: at once, with the completed transactions of the last REGISTERs still
/// kept for their retransmissions, and after Timer J, when only the bindings remain (about 70 s in all). Run: dotnet run -c Release --project bench/Anchor.Benchmarks -- retained [N].
/// </summary>
public static class RetainedMemory
{
    public static void Run(int users)
    {
        var bench = new RegistrarBenchmarks { Users = users };
        bench.Setup();
        try
        {
            bench.Expires = 0;
            RegisterAll(bench, users);
            Thread.Sleep(TimerJ);
            long before = Heap();
            bench.Expires = 3600;
            RegisterAll(bench, users);
            long justAfter = Heap();
            Thread.Sleep(TimerJ);
            long after = Heap();
            int bound = bench.Location.All().Count;
            Console.WriteLine($"{users} phones, {bound} bindings, bytes of managed heap per registered phone: " +
                $"{(justAfter - before) / (double)users:F0} at once (the REGISTERs' completed transactions still kept), " +
                $"{(after - before) / (double)users:F0} after Timer J");
        }
        finally
        {
            bench.Cleanup();
        }
    }

    /// <summary>RFC 3261's Timer J over UDP (64 × T1) and a little: completed REGISTER transactions are gone after it.</summary>
    private static readonly TimeSpan TimerJ = TimeSpan.FromSeconds(34);

    private static void RegisterAll(RegistrarBenchmarks bench, int users)
    {
        for (int i = 0; i < users; i++)
        {
            bench.RegisterFrom(200000 + i, 20000 + i);
        }

        bench.Location.FlushAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }
}
