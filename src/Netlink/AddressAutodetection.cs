using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace L3Net.Netlink;

/// <summary>An autodetection method that does not parse, or found nothing; the message names where the method came
/// from (a flag or an environment variable), the method and why.</summary>
public sealed class AutodetectionException(string message) : Exception(message);

/// <summary>One interface as autodetection sees it: name, whether it is up, and its addresses in kernel order.</summary>
public sealed record HostInterface(int Index, string Name, bool IsUp, IReadOnlyList<(IPAddress Address, int PrefixLength)> Addresses);

/// <summary>
/// Calico's IP_AUTODETECTION_METHOD: how <c>l3net-node</c> finds its own address when none is given. Here rather
/// than in Node because it is a query over the kernel's links, addresses and route choice, testable in a namespace.
/// <c>first-found</c> (the default), <c>interface=REGEX[,REGEX]</c>, <c>skip-interface=REGEX[,REGEX]</c>,
/// <c>can-reach=DEST</c> and <c>cidr=CIDR[,CIDR]</c> (also spelled <c>cidrs=</c>). Regexes match anywhere in the name
/// unless anchored, as in Calico.
/// </summary>
public sealed record AutodetectionMethod
{
    /// <summary>Interfaces first-found and skip-interface never pick (Calico's list: loopback, container and tunnel
    /// devices, and this project's own <c>cali*</c> workload interfaces).</summary>
    public static readonly IReadOnlyList<string> DefaultExcludes =
    [
        "^docker.*", "^cbr.*", "^dummy.*", "^virbr.*", "^lxcbr.*", "^veth.*", "^lo", "^cali.*", "^tunl.*", "^flannel.*",
        "^kube-ipvs.*", "^cni.*", "^vxlan\\.calico.*", "^vxlan-v6\\.calico.*", "^wireguard\\.cali.*", "^wg-v6\\.cali.*",
        "^nodelocaldns.*",
    ];

    public const string FirstFound = "first-found";

    public required string Text { get; init; }
    public IReadOnlyList<Regex> Include { get; init; } = [];
    public IReadOnlyList<Regex> Exclude { get; init; } = [];
    public IReadOnlyList<IPNetwork> Cidrs { get; init; } = [];

    /// <summary>can-reach: an address or a host name.</summary>
    public string? Destination { get; init; }

    /// <summary>Throws <see cref="AutodetectionException"/> naming <paramref name="source"/> (the flag or variable) and the
    /// method when it does not parse.</summary>
    public static AutodetectionMethod Parse(string text, string source)
    {
        AutodetectionException Bad(string why) => new($"{source}: '{text}' {why}");
        var (name, argument) = text.IndexOf('=', StringComparison.Ordinal) is var eq and > 0
            ? (text[..eq], text[(eq + 1)..].Trim())
            : (text.Trim(), null);
        if (name == FirstFound && argument is null)
            return new AutodetectionMethod { Text = text, Exclude = Regexes(DefaultExcludes, Bad) };
        if (name is "interface" or "skip-interface" or "can-reach" or "cidr" or "cidrs" && string.IsNullOrEmpty(argument))
            throw Bad($"needs a value after '{name}='");
        return name switch
        {
            "interface" => new AutodetectionMethod { Text = text, Include = Regexes(List(argument!), Bad) },
            "skip-interface" => new AutodetectionMethod
            {
                Text = text, Exclude = Regexes([.. DefaultExcludes, .. List(argument!)], Bad),
            },
            "can-reach" => new AutodetectionMethod { Text = text, Destination = argument },
            "cidr" or "cidrs" => new AutodetectionMethod { Text = text, Cidrs = Networks(List(argument!), Bad) },
            _ => throw Bad("is not an autodetection method (first-found, interface=REGEX, skip-interface=REGEX, can-reach=DEST, cidr=CIDR[,CIDR])"),
        };
    }

    private static string[] List(string argument) => Regex.Split(argument, @"\s*,\s*");

    private static Regex[] Regexes(IEnumerable<string> patterns, Func<string, AutodetectionException> bad)
        => [.. patterns.Select(p =>
        {
            try
            {
                return new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw bad($"has an invalid interface regex '{p}': {e.Message}");
            }
        })];

    /// <summary>CIDRs as Calico reads them: host bits allowed and masked off (10.0.1.7/24 = 10.0.1.0/24).</summary>
    private static IPNetwork[] Networks(IEnumerable<string> cidrs, Func<string, AutodetectionException> bad)
        => [.. cidrs.Select(c => c.Split('/') is [var ip, var length] && IPAddress.TryParse(ip, out var a)
                                 && int.TryParse(length, System.Globalization.NumberStyles.None, null, out var bits)
                                 && bits <= (a.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
            ? new IPNetwork(Masked(a, bits), bits)
            : throw bad($"has '{c}', which is not a CIDR"))];

    private static IPAddress Masked(IPAddress address, int bits)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] &= (byte)(0xFF << (8 - Math.Clamp(bits - i * 8, 0, 8)));
        return new IPAddress(bytes);
    }

    /// <summary>The interfaces the method considers, in Calico's order (highest index first).</summary>
    public IEnumerable<HostInterface> Candidates(IEnumerable<HostInterface> interfaces)
        => interfaces.Where(i => i.IsUp
                                 && (Include.Count == 0 || Include.Any(r => r.IsMatch(i.Name)))
                                 && !Exclude.Any(r => r.IsMatch(i.Name)))
            .OrderByDescending(i => i.Index);

    /// <summary>Calico's "valid" address: global unicast, so not loopback, link-local, multicast or unspecified.</summary>
    public static bool IsUsable(IPAddress a)
        => !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal && !a.IsIPv6Multicast && !a.Equals(IPAddress.Any)
           && !a.Equals(IPAddress.IPv6Any) && !a.Equals(IPAddress.Broadcast)
           && !(a.AddressFamily == AddressFamily.InterNetwork && (a.GetAddressBytes() is [169, 254, ..] or [>= 224, ..]));
}

/// <summary>Finds the node's address by an <see cref="AutodetectionMethod"/> over the kernel's links and addresses
/// (read by netlink) and, for can-reach, the kernel's own route choice.</summary>
public static class AddressAutodetector
{
    /// <summary>The address with its prefix length (e.g. 10.0.1.2/24). Throws <see cref="AutodetectionException"/> naming
    /// <paramref name="source"/> and the method when nothing matches.</summary>
    public static (IPAddress Address, int PrefixLength) Detect(AutodetectionMethod method, AddressFamily family, string source,
        IReadOnlyList<HostInterface> interfaces, Func<IPAddress, IPAddress?> sourceToward)
    {
        var version = family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
        AutodetectionException Nothing(string why) => new($"{source}: '{method.Text}' found no {version} address: {why}");
        if (method.Destination is { } destination)
        {
            var target = Resolve(destination, family) ?? throw Nothing($"'{destination}' is not an {version} address or a name that resolves to one");
            var local = sourceToward(target) ?? throw Nothing($"no route to {target}");
            var holder = interfaces.SelectMany(i => i.Addresses).FirstOrDefault(a => a.Address.Equals(local));
            return holder.Address is null ? throw Nothing($"the route to {target} leaves from {local}, which no interface holds") : holder;
        }
        var candidates = method.Candidates(interfaces).ToList();
        foreach (var i in candidates)
            foreach (var a in i.Addresses)
                if (a.Address.AddressFamily == family && AutodetectionMethod.IsUsable(a.Address)
                    && (method.Cidrs.Count == 0 || method.Cidrs.Any(c => c.Contains(a.Address))))
                    return a;
        throw Nothing(candidates.Count == 0
            ? $"no interface that is up matches (interfaces: {Names(interfaces)})"
            : $"no usable address on {Names(candidates)}{(method.Cidrs.Count > 0 ? $" inside {string.Join(", ", method.Cidrs)}" : "")}");
    }

    /// <summary>Reads the links and addresses of the current network namespace.</summary>
    public static IReadOnlyList<HostInterface> ReadInterfaces(RouteSocket socket)
    {
        var addresses = socket.ListAddresses().ToLookup(a => a.InterfaceIndex);
        return [.. socket.ListLinks().Select(l => new HostInterface(l.Index, l.Name, l.IsUp,
            [.. addresses[l.Index].Select(a => (a.Address, a.PrefixLength))]))];
    }

    /// <summary>The source address the kernel would choose toward <paramref name="destination"/>: a UDP socket
    /// connected there (connect on UDP only looks up the route; no packet is sent).</summary>
    public static IPAddress? SourceToward(IPAddress destination)
    {
        using var socket = new Socket(destination.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Connect(destination, 80);
        }
        catch (SocketException)
        {
            return null; // ENETUNREACH: no route
        }
        return (socket.LocalEndPoint as IPEndPoint)?.Address;
    }

    /// <summary>Reads the host and detects, as the daemon does at start-up.</summary>
    public static (IPAddress Address, int PrefixLength) DetectHere(AutodetectionMethod method, AddressFamily family, string source)
    {
        using var socket = new RouteSocket();
        return Detect(method, family, source, ReadInterfaces(socket), SourceToward);
    }

    private static IPAddress? Resolve(string destination, AddressFamily family)
    {
        if (IPAddress.TryParse(destination, out var ip))
            return ip.AddressFamily == family ? ip : null;
        try
        {
            return Dns.GetHostAddresses(destination, family).FirstOrDefault();
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static string Names(IEnumerable<HostInterface> interfaces) => string.Join(", ", interfaces.Select(i => i.Name));
}
