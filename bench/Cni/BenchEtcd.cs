using System.Diagnostics;
using L3Net.Model.Resources;
using L3Net.Testing;

namespace L3Net.Bench.Cni;

/// <summary>
/// The etcd datastore for the CNI benchmark: a real etcd member on the node namespace's loopback, where the plugin and
/// the daemon run (nothing listens outside the namespace). The bench process, in the root namespace, cannot reach it,
/// so it writes the pool and runs the IPAM check through <c>l3netctl</c> inside the namespace, as an operator would.
/// </summary>
internal sealed class BenchEtcd : IDisposable
{
    private const string ClientUrl = "http://127.0.0.1:23791", PeerUrl = "http://127.0.0.1:23792";
    private readonly Process _etcd;
    private readonly string _node, _cli;

    private BenchEtcd(Process etcd, string node, string cli) => (_etcd, _node, _cli) = (etcd, node, cli);

    public string Datastore => "etcd://127.0.0.1:23791";

    public static async Task<BenchEtcd> StartAsync(string node, string cli, string work, IPPool pool)
    {
        var etcd = Process.Start(new ProcessStartInfo("nsenter", [$"--net=/var/run/netns/{node}", "etcd", "--name", "bench",
            "--data-dir", Path.Combine(work, "etcd"), "--listen-client-urls", ClientUrl, "--advertise-client-urls", ClientUrl,
            "--listen-peer-urls", PeerUrl, "--initial-advertise-peer-urls", PeerUrl, "--initial-cluster", $"bench={PeerUrl}",
            "--log-level", "warn"]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
        etcd.BeginOutputReadLine();
        etcd.BeginErrorReadLine();
        var bench = new BenchEtcd(etcd, node, cli);
        try
        {
            for (var i = 0; !bench.InNode("etcdctl", "--endpoints", ClientUrl, "--dial-timeout", "1s", "endpoint", "health").Ok; i++)
            {
                if (i == 100 || etcd.HasExited)
                    throw new InvalidOperationException("etcd did not become healthy within 20 s");
                await Task.Delay(200);
            }
            var file = Path.Combine(work, "pool.yaml");
            await File.WriteAllTextAsync(file, $"""
                apiVersion: projectcalico.org/v3
                kind: IPPool
                metadata:
                  name: {pool.Metadata.Name}
                spec:
                  cidr: {pool.Spec.Cidr}
                  blockSize: {pool.Spec.BlockSize}
                """);
            bench.Cli("apply", "-f", file).EnsureOk("l3netctl apply the pool");
            return bench;
        }
        catch
        {
            bench.Dispose();
            throw;
        }
    }

    /// <summary><c>l3netctl ipam check --grace 0s</c> in the node namespace: (clean, its report).</summary>
    public (bool Clean, string Report) IpamCheck()
    {
        var result = Cli("ipam", "check", "--grace", "0s");
        return (result.Ok, result.Stdout.Trim());
    }

    private ProcessResult Cli(params string[] args) => InNode(_cli, [.. args, "--datastore", Datastore]);

    private ProcessResult InNode(string file, params string[] args)
        => ProcessRunner.Run("nsenter", [$"--net=/var/run/netns/{_node}", file, .. args]);

    public void Dispose()
    {
        if (!_etcd.HasExited)
            _etcd.Kill(entireProcessTree: true);
        _etcd.WaitForExit();
        _etcd.Dispose();
    }
}
