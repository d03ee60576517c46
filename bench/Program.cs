using BenchmarkDotNet.Running;

// Micro-benchmarks: `dotnet run -c Release --project bench -- --filter '*'`.
// Whole-system CNI latency (root): `dotnet run -c Release --project bench -- cni [--pods 200]`.
if (args.Length > 0 && args[0] == "cni")
    return await L3Net.Bench.Cni.CniBenchmark.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
