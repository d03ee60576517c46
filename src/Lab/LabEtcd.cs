namespace L3Net.Lab;

/// <summary>The lab's etcd: one member inside the ToR namespace, serving clients on the fabric address so every
/// node namespace reaches it, its peer port on the ToR's own loopback. Data lives in the lab directory.</summary>
public sealed class LabEtcd(AddressPlan plan)
{
    private string Dir => Path.Combine(plan.Options.StateDir, "etcd");
    private string PidFile => Path.Combine(Dir, "etcd.pid");
    private string ClientUrl => $"http://{AddressPlan.TorAddress}:{AddressPlan.EtcdPort}";

    public async Task StartAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Dir);
        Exec.StartDaemon(plan.TorNamespace, "etcd",
            ["--name", "lab", "--data-dir", Path.Combine(Dir, "data"),
             "--listen-client-urls", ClientUrl, "--advertise-client-urls", ClientUrl,
             "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
             "--initial-cluster", "lab=http://127.0.0.1:2380", "--log-level", "warn"],
            Path.Combine(Dir, "etcd.log"), PidFile);
        for (var i = 0; i < 100; i++)
        {
            var health = await Exec.InNetnsAsync(plan.TorNamespace, "etcdctl",
                ["--endpoints", ClientUrl, "--dial-timeout", "1s", "endpoint", "health"], ct: ct);
            if (health.Ok)
                return;
            await Task.Delay(200, ct);
        }
        throw new LabException($"etcd did not become healthy within 20 s; see {Path.Combine(Dir, "etcd.log")}");
    }

    /// <summary>Kills the server (the "datastore down" scenario); <see cref="StartAsync"/> brings it back with its data.</summary>
    public async Task StopAsync()
    {
        if (Exec.RunningPid(PidFile) is { } pid)
        {
            Exec.Run("kill", "-KILL", pid.ToString());
            for (var i = 0; i < 50 && Exec.RunningPid(PidFile) is not null; i++)
                await Task.Delay(100);
        }
    }
}
