using System.Text.RegularExpressions;

namespace L3Net.Testing;

/// <summary>
/// A throw-away network of namespaces for one test: every namespace is named <c>l3t{pid}x{seq}-{name}</c> so that
/// parallel runs never collide and a killed run's leftovers can be recognised (their pid is gone) and removed the
/// next time any test starts. Dispose kills the processes started in it and deletes every namespace, also when the
/// test failed. Nothing is ever configured in the root namespace: veth pairs are created inside one namespace with
/// their peer placed directly into the other.
/// </summary>
public sealed partial class TestNetwork : IDisposable
{
    private static int _sequence;
    private static int _staleCleaned;
    private readonly List<NetnsHost> _hosts = [];
    private readonly string _prefix;

    public TestNetwork()
    {
        Requires.Netns();
        if (Interlocked.Exchange(ref _staleCleaned, 1) == 0)
            RemoveStaleNamespaces();
        _prefix = $"l3t{Environment.ProcessId}x{Interlocked.Increment(ref _sequence)}";
    }

    public IReadOnlyList<NetnsHost> Hosts => _hosts;

    /// <summary>Creates a namespace with loopback up. <paramref name="name"/> is short and readable: "node1", "tor".</summary>
    public NetnsHost AddHost(string name, bool forwarding = false)
    {
        var host = new NetnsHost($"{_prefix}-{name}", name);
        ProcessRunner.Run("ip", ["netns", "add", host.Namespace]).EnsureOk($"ip netns add {host.Namespace}");
        _hosts.Add(host);
        host.Ip("link", "set", "lo", "up");
        if (forwarding)
        {
            host.Sysctl("net.ipv4.ip_forward", "1");
            host.Sysctl("net.ipv6.conf.all.forwarding", "1");
        }
        return host;
    }

    /// <summary>Joins two hosts with a veth pair and gives each end an address (CIDR form, e.g. "10.0.0.1/30";
    /// null for none). Interface names default to the peer's short name, so "tor" has "node1" and so on.</summary>
    public void Link(NetnsHost a, string? addressA, NetnsHost b, string? addressB, string? nameA = null, string? nameB = null)
    {
        nameA ??= Truncate(b.Name);
        nameB ??= Truncate(a.Name);
        a.Ip("link", "add", "name", nameA, "type", "veth", "peer", "name", nameB, "netns", b.Namespace);
        foreach (var (host, ifname, address) in new[] { (a, nameA, addressA), (b, nameB, addressB) })
        {
            if (address is not null)
                host.Ip(address.Contains(':') ? "-6" : "-4", "addr", "add", address, "dev", ifname, "nodad");
            host.Ip("link", "set", "dev", ifname, "up");
        }
    }

    private static string Truncate(string name) => name.Length <= 15 ? name : name[..15];

    public void Dispose()
    {
        foreach (var host in _hosts)
            host.Destroy();
        _hosts.Clear();
    }

    /// <summary>Namespaces left by a test process that no longer exists (killed run).</summary>
    private static void RemoveStaleNamespaces()
    {
        var list = ProcessRunner.Run("ip", ["netns", "list"]);
        foreach (Match m in StaleName().Matches(list.Stdout))
        {
            if (!int.TryParse(m.Groups["pid"].Value, out var pid) || Directory.Exists($"/proc/{pid}"))
                continue;
            new NetnsHost(m.Value, m.Value).Destroy();
        }
    }

    [GeneratedRegex(@"^l3t(?<pid>\d+)x\d+-\S+", RegexOptions.Multiline)]
    private static partial Regex StaleName();
}
