using BenchmarkDotNet.Running;
using L3Net.Bench;

// Whole-backend datastore figures: `dotnet run -c Release --project bench -- datastore sqlite:///tmp/bench.db`.
if (args is ["datastore", var config])
    return await DatastoreBench.RunAsync(config);

// Micro-benchmarks: `dotnet run -c Release --project bench -- --filter '*'`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
