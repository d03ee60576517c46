using System.Net;

namespace L3Net.Node;

/// <summary>A command-line error: the message names the flag; the daemon prints it with the usage and exits 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The <c>l3net-node</c> command line (CONTRACTS.md): who this node is, where the datastore is, where to
/// serve status and health.</summary>
public sealed record NodeOptions
{
    public const string Usage = """
        usage: l3net-node --node NAME --ipv4-address 10.0.1.2/24 [--datastore STRING] [--as ASN]
                          [--status-socket /var/run/l3net/node.sock] [--health 127.0.0.1:9099] [--bgp-port 179]
                          [--resync-interval SECONDS]
        """;

    public required string Node { get; init; }
    public string? Datastore { get; init; }
    public required IPNetwork Ipv4Network { get; init; }
    public required IPAddress Ipv4Address { get; init; }

    /// <summary>The AS number as given (plain or dotted); null means the cluster's (BGPConfiguration, else 64512).</summary>
    public string? AsNumber { get; init; }
    public string StatusSocket { get; init; } = "/var/run/l3net/node.sock";
    public IPEndPoint Health { get; init; } = new(IPAddress.Loopback, 9099);
    public int BgpPort { get; init; } = 179;

    /// <summary>How often the dataplane is compared with the kernel, repairing hand-made drift.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The form the Node resource stores (<c>10.0.1.2/24</c>).</summary>
    public string Ipv4Cidr => $"{Ipv4Address}/{Ipv4Network.PrefixLength}";

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
        var cidr = values.GetValueOrDefault("--ipv4-address") ?? throw new UsageException("--ipv4-address: required");
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(cidr[..slash], out var address)
            || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(cidr[(slash + 1)..], out var length) || length is < 0 or > 32)
            throw new UsageException($"--ipv4-address: '{cidr}' is not an IPv4 address with prefix length, like 10.0.1.2/24");

        return new NodeOptions
        {
            Node = node,
            Datastore = values.GetValueOrDefault("--datastore"),
            Ipv4Address = address,
            Ipv4Network = new IPNetwork(Mask(address, length), length),
            AsNumber = values.GetValueOrDefault("--as"),
            StatusSocket = values.GetValueOrDefault("--status-socket") ?? "/var/run/l3net/node.sock",
            Health = values.TryGetValue("--health", out var h)
                ? IPEndPoint.TryParse(h, out var ep) && ep.Port != 0 ? ep : throw new UsageException($"--health: '{h}' is not HOST:PORT")
                : new IPEndPoint(IPAddress.Loopback, 9099),
            BgpPort = values.TryGetValue("--bgp-port", out var p)
                ? int.TryParse(p, out var port) && port is > 0 and < 65536 ? port : throw new UsageException($"--bgp-port: '{p}' is not a port")
                : 179,
            ResyncInterval = values.TryGetValue("--resync-interval", out var r)
                ? double.TryParse(r, System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0
                    ? TimeSpan.FromSeconds(s) : throw new UsageException($"--resync-interval: '{r}' is not a positive number of seconds")
                : TimeSpan.FromSeconds(10),
        };
    }

    private static readonly HashSet<string> Known =
        ["--node", "--datastore", "--ipv4-address", "--as", "--status-socket", "--health", "--bgp-port", "--resync-interval"];

    private static IPAddress Mask(IPAddress address, int length)
    {
        var bytes = address.GetAddressBytes();
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
        var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value & mask);
        return new IPAddress(bytes);
    }
}
