using L3Net.Datastore;
using L3Net.Model.Resources;
using L3Net.Testing;

namespace L3Net.Tests.Integration.Ipam;

/// <summary>Runs <c>l3net-ipam-worker</c> (tests/IpamWorker) as separate processes, the way CNI invocations are.</summary>
internal static class IpamWorkers
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "l3net-ipam-worker.dll");

    public static string[] Args(string datastore, string mode, string node, string prefix, int count)
        => [Dll, datastore, mode, node, prefix, count.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    public static async Task<ProcessResult> RunAsync(string datastore, string mode, string node, string prefix, int count)
        => (await ProcessRunner.RunAsync("dotnet", Args(datastore, mode, node, prefix, count), timeout: TimeSpan.FromMinutes(3)))
            .EnsureOk($"ipam worker {mode} {node} {prefix}");

    public static Task CreatePoolAsync(IDatastore store, string name, string cidr, int blockSize, CancellationToken ct)
        => new ResourceStore(store).CreateAsync(new IPPool { Metadata = { Name = name }, Spec = { Cidr = cidr, BlockSize = blockSize } }, ct);
}
