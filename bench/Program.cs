using BenchmarkDotNet.Running;

// Whole-system runs: `dotnet run -c Release --project bench -- felix` (root; see docs/benchmarks.md).
if (args is ["felix", .. var rest])
    return await L3Net.Bench.Felix.FelixDataplaneBench.RunAsync(rest);

// `dotnet run -c Release --project bench -- ipam [DATASTORE]`: assigns/s and latency, 1 and 4 processes.
if (args is ["ipam", .. var ipamArgs])
    return await L3Net.Bench.Ipam.IpamAssignBench.RunAsync(ipamArgs);

// Micro-benchmarks: `dotnet run -c Release --project bench -- --filter '*'`.
// Whole-system CNI latency (root): `dotnet run -c Release --project bench -- cni [--pods 200]`.
if (args.Length > 0 && args[0] == "cni")
    return await L3Net.Bench.Cni.CniBenchmark.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
