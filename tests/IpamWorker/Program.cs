using System.Diagnostics;
using System.Globalization;
using L3Net.Datastore;
using L3Net.Ipam;
using L3Net.Model.Resources;

// l3net-ipam-worker DATASTORE MODE NODE PREFIX COUNT
//   assign   assigns one IPv4 address to each handle PREFIX.0 .. PREFIX.COUNT-1 on NODE; prints "ip ADDRESS" per
//            address and, last, "done N ELAPSED_MS LAT_US,LAT_US,..." (one latency per assign)
//   release  releases those handles; prints "done N ELAPSED_MS LAT_US,..." (N = addresses freed)
//   pool     creates IP pool NODE with CIDR PREFIX and block size COUNT (benchmark set-up)
//   churn    what a busy node's CNI does, until killed: assign + write the workload endpoint, release the handle four
//            steps back (endpoint first, as a DEL), give back empty blocks every tenth step. Prints "ready" first.
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: l3net-ipam-worker DATASTORE pool|assign|release|churn NODE PREFIX COUNT");
    return 2;
}
var (config, mode, node, prefix) = (args[0], args[1], args[2], args[3]);
var count = int.Parse(args[4], CultureInfo.InvariantCulture);
await using var store = DatastoreFactory.Open(config);
var ipam = new IpamService(store);
var resources = new ResourceStore(store);
var latencies = new List<long>();
var total = Stopwatch.StartNew();
var done = 0;
switch (mode)
{
    case "assign":
        for (var i = 0; i < count; i++)
        {
            var one = Stopwatch.StartNew();
            var got = await ipam.AutoAssignAsync(new AutoAssignRequest { Handle = $"{prefix}.{i}", Node = node });
            latencies.Add(one.Elapsed.Ticks / 10);
            foreach (var a in got)
                Console.WriteLine($"ip {a.Address}");
            done += got.Count;
        }
        break;
    case "release":
        for (var i = 0; i < count; i++)
        {
            var one = Stopwatch.StartNew();
            done += await ipam.ReleaseByHandleAsync($"{prefix}.{i}");
            latencies.Add(one.Elapsed.Ticks / 10);
        }
        break;
    case "pool":
        await resources.CreateAsync(new IPPool { Metadata = { Name = node }, Spec = { Cidr = prefix, BlockSize = count } });
        break;
    case "churn":
        Console.WriteLine("ready");
        for (var i = 0; ; i++)
        {
            await ipam.AutoAssignAsync(new AutoAssignRequest { Handle = $"net.{prefix}-{i}", Node = node });
            await resources.CreateAsync(Endpoint(node, prefix, i));
            if (i >= 4)
            {
                await resources.DeleteAsync<WorkloadEndpoint>(Endpoint(node, prefix, i - 4).Metadata.Name, "default");
                await ipam.ReleaseByHandleAsync($"net.{prefix}-{i - 4}");
            }
            if (i % 10 == 9)
                await ipam.ReleaseEmptyBlocksAsync(node);
        }
    default:
        Console.Error.WriteLine($"unknown mode {mode}");
        return 2;
}
Console.WriteLine($"done {done} {total.ElapsedMilliseconds} {string.Join(',', latencies)}");
return 0;

static WorkloadEndpoint Endpoint(string node, string prefix, int i) => new()
{
    Metadata = { Name = $"{node}-{prefix}-{i}-eth0", Namespace = "default" },
    Spec = { Node = node, Network = "net", ContainerId = $"{prefix}-{i}", Pod = $"{prefix}-{i}", InterfaceName = "calitest" },
};
