using System.Net;
using System.Net.Sockets;
using L3Net.Model.Validation;
using L3Net.Netlink;

namespace L3Net.Node;

/// <summary>A command-line error: the message names the flag; the daemon prints it with the usage and exits 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The <c>l3net-node</c> command line (CONTRACTS.md): who this node is, its address (given, or found by
/// Calico's autodetection methods), where the datastore is, where to serve status and health.</summary>
public sealed record NodeOptions
{
    public const string Usage = """
        usage: l3net-node --node NAME [--ipv4-address 10.0.1.2/24 | --ip-autodetection-method METHOD]
                          [--ipv6-address fd00:1::2/64 | --ip6-autodetection-method METHOD] [--datastore STRING] [--as ASN]
                          [--status-socket /var/run/l3net/node.sock] [--health 127.0.0.1:9099]
                          [--resync-interval SECONDS] [--cni-socket /var/run/l3net/cni.sock]
        METHOD (also $IP_AUTODETECTION_METHOD, $IP6_AUTODETECTION_METHOD): first-found (the IPv4 default),
               interface=REGEX[,REGEX], skip-interface=REGEX[,REGEX], can-reach=DEST, cidr=CIDR[,CIDR]
        """;

    /// <summary>Finds the node's address of one family by a method, as <see cref="AddressAutodetector.DetectHere"/>
    /// does on the host; <c>source</c> names the flag or variable the method came from, for errors.</summary>
    public delegate (IPAddress Address, int PrefixLength) AddressDetector(AutodetectionMethod method, AddressFamily family, string source);

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

    /// <summary>Where the CNI plugin hands its invocations to this daemon; null: it serves none (the plugin works alone).</summary>
    public string? CniSocket { get; init; }

    /// <summary>How often the dataplane is compared with the kernel, repairing hand-made drift.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The form the Node resource stores (<c>10.0.1.2/24</c>).</summary>
    public string Ipv4Cidr => $"{Ipv4Address}/{Ipv4Network.PrefixLength}";

    /// <summary>The form the Node resource stores (<c>fd00:1::2/64</c>), or null on an IPv4-only node.</summary>
    public string? Ipv6Cidr => Ipv6Address is null ? null : $"{Ipv6Address}/{Ipv6Network!.Value.PrefixLength}";

    /// <summary>The node's own addresses, one per family it runs.</summary>
    public IReadOnlyList<IPAddress> LocalAddresses => Ipv6Address is null ? [Ipv4Address] : [Ipv4Address, Ipv6Address];

    /// <param name="environment">Reads IP_AUTODETECTION_METHOD and IP6_AUTODETECTION_METHOD (default: the process's).</param>
    /// <param name="detect">Autodetects an address not given on the command line (default: from this host's kernel).</param>
    public static NodeOptions Parse(IReadOnlyList<string> args, Func<string, string?>? environment = null, AddressDetector? detect = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        detect ??= AddressAutodetector.DetectHere;
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
        var v4Text = Given(values, "--ipv4-address", "--ip-autodetection-method", "IP_AUTODETECTION_METHOD", AutodetectionMethod.FirstFound,
            AddressFamily.InterNetwork, environment, detect);
        var (address, network) = Interface(v4Text!, "--ipv4-address", AddressFamily.InterNetwork,
            "an IPv4 address with prefix length, like 10.0.1.2/24");
        // IPv6 is off unless an address or a method is given (Calico's IP6 default is none as well).
        var v6Text = Given(values, "--ipv6-address", "--ip6-autodetection-method", "IP6_AUTODETECTION_METHOD", null,
            AddressFamily.InterNetworkV6, environment, detect);
        var v6 = v6Text is not null
            ? Interface(v6Text, "--ipv6-address", AddressFamily.InterNetworkV6,
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
            CniSocket = values.TryGetValue("--cni-socket", out var cni)
                ? cni.StartsWith('/') && System.Text.Encoding.UTF8.GetByteCount(cni) <= 107 ? cni
                    : throw new UsageException($"--cni-socket: '{cni}' is not an absolute path of at most 107 bytes")
                : null,
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
    [
        "--node", "--datastore", "--ipv4-address", "--ipv6-address", "--ip-autodetection-method", "--ip6-autodetection-method",
        "--as", "--status-socket", "--health", "--resync-interval", "--cni-socket",
    ];

    /// <summary>The address of one family as text (<c>10.0.1.2/24</c>): the address flag if given, else what the method
    /// (flag, then environment variable, then <paramref name="defaultMethod"/>) detects; null when neither applies.</summary>
    private static string? Given(Dictionary<string, string> values, string addressFlag, string methodFlag, string variable,
        string? defaultMethod, AddressFamily family, Func<string, string?> environment, AddressDetector detect)
    {
        var methodFromFlag = values.GetValueOrDefault(methodFlag);
        if (values.TryGetValue(addressFlag, out var address))
            return methodFromFlag is null ? address : throw new UsageException($"{addressFlag} and {methodFlag}: give one, not both");
        var (text, source) = methodFromFlag is not null ? (methodFromFlag, methodFlag)
            : environment(variable) is { Length: > 0 } fromEnvironment ? (fromEnvironment, variable)
            : (defaultMethod, $"{addressFlag} not given, so autodetection ({defaultMethod})");
        if (text is null)
            return null;
        try
        {
            var (detected, length) = detect(AutodetectionMethod.Parse(text, source), family, source);
            return $"{detected}/{length}";
        }
        catch (AutodetectionException e)
        {
            throw new UsageException(e.Message);
        }
    }

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
