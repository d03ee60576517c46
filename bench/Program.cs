using BenchmarkDotNet.Running;
using L3Net.Bench;

// Whole-backend datastore figures: `dotnet run -c Release --project bench -- datastore sqlite:///tmp/bench.db`.
if (args is ["datastore", var config])
    return await DatastoreBench.RunAsync(config);

// Whole-system runs: `dotnet run -c Release --project bench -- felix` (root; see docs/benchmarks.md).
if (args is ["felix", .. var rest])
    return await L3Net.Bench.Felix.FelixDataplaneBench.RunAsync(rest);

// `dotnet run -c Release --project bench -- ipam [DATASTORE]`: assigns/s and latency, 1 and 4 processes.
if (args is ["ipam", .. var ipamArgs])
    return await L3Net.Bench.Ipam.IpamAssignBench.RunAsync(ipamArgs);

// Whole-system BGP runs (root, namespaces only; see docs/benchmarks.md): a full feed into our speaker, BIRD, FRR and
// GoBGP; a 200-client route reflector. `bgp-speaker` is the process those runs start for our speaker.
if (args is ["bgp-fullfeed", .. var feedArgs])
    return await L3Net.Bench.Bgp.FullFeedBench.RunAsync(feedArgs);
if (args is ["bgp-rr", .. var rrArgs])
    return await L3Net.Bench.Bgp.ReflectorBench.RunAsync(rrArgs);
if (args is ["bgp-speaker", .. var speakerArgs])
    return await L3Net.Bench.Bgp.SpeakerHost.RunAsync(speakerArgs);

// The chaos soak (root, namespaces only; see docs/reliability.md): `dotnet run -c Release --project bench -- chaos
// [--minutes 30] [--seed S]`, on the binaries `./l3net.sh build` publishes.
if (args is ["chaos", .. var chaosArgs])
    return await L3Net.Bench.Chaos.ChaosBench.RunAsync(chaosArgs);

// One real node daemon against a generated N-node cluster with pod churn (root; see docs/benchmarks.md, "Node scale"):
// `dotnet run -c Release --project bench -- node-scale [--datastore sqlite|etcd] [--nodes 10,100,1000]`.
// `node-scale-inner` is the half that runs inside the namespace the outer half makes.
if (args is ["node-scale", .. var scaleArgs])
    return await L3Net.Bench.Node.NodeScaleBench.RunAsync(scaleArgs);
if (args is ["node-scale-inner", .. var innerArgs])
    return await L3Net.Bench.Node.NodeScaleBench.RunInsideAsync(innerArgs);

// Issue 16's failover table (root, namespaces only; see docs/benchmarks.md): `dotnet run -c Release --project bench --
// failover [--runs 5]`, dual-tor labs with and without BFD, on the binaries `./l3net.sh build` publishes.
if (args is ["failover", .. var failoverArgs])
    return await L3Net.Bench.Failover.FailoverBench.RunAsync(failoverArgs);

// Micro-benchmarks: `dotnet run -c Release --project bench -- --filter '*'`.
// Whole-system CNI latency (root): `dotnet run -c Release --project bench -- cni [--pods 200]`.
if (args.Length > 0 && args[0] == "cni")
    return await L3Net.Bench.Cni.CniBenchmark.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
