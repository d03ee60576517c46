using BenchmarkDotNet.Running;

// Whole-system runs: `dotnet run -c Release --project bench -- felix` (root; see docs/benchmarks.md).
if (args is ["felix", .. var rest])
    return await L3Net.Bench.Felix.FelixDataplaneBench.RunAsync(rest);

// Micro-benchmarks: `dotnet run -c Release --project bench -- --filter '*'`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
