namespace L3Net.Lab;

/// <summary>Network namespaces and links through <c>ip</c>. Nothing here touches the root namespace: every link is
/// created inside a lab namespace, with its peer placed directly into another one.</summary>
public static class Netns
{
    public static string Path(string ns) => $"/var/run/netns/{ns}";

    public static void Create(string ns, bool forwarding)
    {
        Exec.Run("ip", "netns", "add", ns).EnsureOk($"ip netns add {ns}");
        Ip(ns, "link", "set", "lo", "up");
        if (forwarding)
            Sysctl(ns, "net.ipv4.ip_forward", "1");
    }

    /// <summary><c>ip -n NS ARGS</c>; throws when it fails.</summary>
    public static string Ip(string ns, params string[] args)
        => Exec.Run("ip", ["-n", ns, .. args]).EnsureOk($"ip -n {ns} {string.Join(' ', args)}").Stdout;

    public static void Sysctl(string ns, string key, string value)
        => Exec.Run("ip", "netns", "exec", ns, "sysctl", "-qw", $"{key}={value}").EnsureOk($"sysctl {key} in {ns}");

    /// <summary>A veth pair: <paramref name="nameA"/> in <paramref name="nsA"/>, <paramref name="nameB"/> in
    /// <paramref name="nsB"/>, both up.</summary>
    public static void Veth(string nsA, string nameA, string nsB, string nameB)
    {
        Ip(nsA, "link", "add", "name", nameA, "type", "veth", "peer", "name", nameB, "netns", nsB);
        Ip(nsA, "link", "set", "dev", nameA, "up");
        Ip(nsB, "link", "set", "dev", nameB, "up");
    }

    /// <summary>Every namespace whose name starts with <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<string> List(string prefix) =>
        Exec.Run("ip", "netns", "list").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ')[0])
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .ToList();

    /// <summary>Kills every process living in the namespace (asking first, then SIGKILL after a short grace, so
    /// BIRD and etcd can close their files), then deletes it. Idempotent.</summary>
    public static async Task DestroyAsync(string ns)
    {
        var pids = Pids(ns);
        if (pids.Count > 0)
        {
            Signal("TERM", pids);
            for (var i = 0; i < 20 && Pids(ns).Count > 0; i++)
                await Task.Delay(100);
            Signal("KILL", Pids(ns));
        }
        Exec.Run("ip", "netns", "delete", ns);
    }

    public static IReadOnlyList<string> Pids(string ns) =>
        Exec.Run("ip", "netns", "pids", ns).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void Signal(string signal, IReadOnlyList<string> pids)
    {
        if (pids.Count > 0)
            Exec.Run("kill", [$"-{signal}", .. pids]);
    }
}
