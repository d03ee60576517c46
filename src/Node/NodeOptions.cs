using System.Net;
using System.Net.Sockets;
using L3Net.Model.Validation;

namespace L3Net.Node;

/// <summary>A command-line error: the message names the flag; the daemon prints it with the usage and exits 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The <c>l3net-node</c> command line (CONTRACTS.md): who this node is, where the datastore is, where to
/// serve status and health.</summary>
public sealed record NodeOptions
{
    public const string Usage = """
        usage: l3net-node --node NAME --ipv4-address 10.0.1.2/24 [--ipv6-address fd00:1::2/64] [--datastore STRING] [--as ASN]
                          [--status-socket /var/run/l3net/node.sock] [--health 127.0.0.1:9099]
                          [--resync-interval SECONDS]
        """;

    public required string Node { get; init; }
    public string? Datastore { get; init; }
    public required IPNetwork Ipv4Network { get; init; }
    public required IPAddress Ipv4Address { get; init; }

    /// <summary>The node's IPv6 address and subnet, when it runs dual-stack: its IPv6 BGP sessions go from there.</summary>
    public IPNetwork? Ipv6Network { get; init; }
    public IPAddress? Ipv6Address { get; init; }

    /// <summary>The AS number as given (plain or dotted); null means the cluster's (BGPConfiguration, else 64512).</summary>
    public string? AsNumber { get; init; }
    public string StatusSocket { get; init; } = "/var/run/l3net/node.sock";
    public IPEndPoint Health { get; init; } = new(IPAddress.Loopback, 9099);

    /// <summary>How often the dataplane is compared with the kernel, repairing hand-made drift.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The form the Node resource stores (<c>10.0.1.2/24</c>).</summary>
    public string Ipv4Cidr => $"{Ipv4Address}/{Ipv4Network.PrefixLength}";

    /// <summary>The form the Node resource stores (<c>fd00:1::2/64</c>), or null on an IPv4-only node.</summary>
    public string? Ipv6Cidr => Ipv6Address is null ? null : $"{Ipv6Address}/{Ipv6Network!.Value.PrefixLength}";

    /// <summary>The node's own addresses, one per family it runs.</summary>
    public IReadOnlyList<IPAddress> LocalAddresses => Ipv6Address is null ? [Ipv4Address] : [Ipv4Address, Ipv6Address];

    public static NodeOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            var eq = flag.IndexOf('=', StringComparison.Ordinal);
            string value;
            if (eq > 0)
            {
                value = flag[(eq + 1)..];
                flag = flag[..eq];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"{flag}: needs a value");
            }
            if (!Known.Contains(flag))
                throw new UsageException($"{flag}: unknown flag");
            values[flag] = value;
        }

        var node = values.GetValueOrDefault("--node") ?? throw new UsageException("--node: required");
        var (address, network) = Interface(values.GetValueOrDefault("--ipv4-address") ?? throw new UsageException("--ipv4-address: required"),
            "--ipv4-address", AddressFamily.InterNetwork, "an IPv4 address with prefix length, like 10.0.1.2/24");
        var v6 = values.TryGetValue("--ipv6-address", out var cidr6)
            ? Interface(cidr6, "--ipv6-address", AddressFamily.InterNetworkV6,
                "a global IPv6 address with prefix length, like fd00:1::2/64 (not link-local)")
            : ((IPAddress Address, IPNetwork Network)?)null;

        return new NodeOptions
        {
            Node = node,
            Datastore = values.GetValueOrDefault("--datastore"),
            Ipv4Address = address,
            Ipv4Network = network,
            Ipv6Address = v6?.Address,
            Ipv6Network = v6?.Network,
            AsNumber = values.GetValueOrDefault("--as"),
            StatusSocket = values.GetValueOrDefault("--status-socket") ?? "/var/run/l3net/node.sock",
            Health = values.TryGetValue("--health", out var h)
                ? IPEndPoint.TryParse(h, out var ep) && ep.Port != 0 ? ep : throw new UsageException($"--health: '{h}' is not HOST:PORT")
                : new IPEndPoint(IPAddress.Loopback, 9099),
            ResyncInterval = values.TryGetValue("--resync-interval", out var r)
                ? double.TryParse(r, System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0
                    ? TimeSpan.FromSeconds(s) : throw new UsageException($"--resync-interval: '{r}' is not a positive number of seconds")
                : TimeSpan.FromSeconds(10),
        };
    }

    private static readonly HashSet<string> Known =
        ["--node", "--datastore", "--ipv4-address", "--ipv6-address", "--as", "--status-socket", "--health", "--resync-interval"];

    /// <summary>An interface address of one family with its prefix length (host bits allowed, as on the interface).</summary>
    private static (IPAddress Address, IPNetwork Network) Interface(string cidr, string flag, AddressFamily family, string expected)
    {
        // Peers reach the node at this address, so it must be routable: not link-local (fe80::/10 needs an interface
        // to mean anything), not an IPv4-mapped IPv6 address.
        if (!Addresses.TryParseAddressWithPrefix(cidr, out var address, out var length, out _) || address.AddressFamily != family
            || address.IsIPv6LinkLocal || address.IsIPv4MappedToIPv6)
            throw new UsageException($"{flag}: '{cidr}' is not {expected}");
        return (address, new IPNetwork(Addresses.Mask(address, length), length));
    }
}
