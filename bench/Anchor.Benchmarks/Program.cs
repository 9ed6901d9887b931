using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Anchor.Benchmarks.ParserBenchmarks).Assembly).Run(args);
