using BenchmarkDotNet.Running;

if (args is ["retained", ..])
{
    Anchor.Benchmarks.RetainedMemory.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5000);
    return;
}

if (args is ["allocated", ..])
{
    Anchor.Benchmarks.ServerAllocation.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Anchor.Benchmarks.ParserBenchmarks).Assembly).Run(args);
