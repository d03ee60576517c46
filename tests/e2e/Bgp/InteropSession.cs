using System.Net;
using L3Net.Bgp;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>
/// One session of the interop matrix: our speaker on node address <see cref="Index"/> of its family, in AS
/// <see cref="SpeakerAs"/>, peering with the router (AS <see cref="RouterAs"/>) and announcing <see cref="Originated"/>.
/// Every router is configured with all of <see cref="All"/> up front, so one router per class serves every case.
/// </summary>
public sealed record InteropSession(string Name, int Index, bool V6, uint SpeakerAs, string Originated, string? Password = null)
{
    public const uint RouterAs = 65001;
    public const string RouterPrefixV4 = "192.168.100.0/24", RouterPrefixV6 = "fd00:100::/48", Md5Password = "s3cret";

    public static readonly IReadOnlyList<InteropSession> All =
    [
        new("ebgp-v4", 0, false, 65002, "10.244.1.0/26"),
        new("ibgp-v4", 1, false, RouterAs, "10.244.2.0/26"),
        new("ebgp-as4", 2, false, 4200000002, "10.244.3.0/26"), // four-octet ASN on our side: AS_TRANS in our OPEN
        new("md5-v4", 3, false, 65002, "10.244.4.0/26", Md5Password),
        new("ebgp-v6", 0, true, 65002, "fd00:244:1::/64"),
        new("ibgp-v6", 1, true, RouterAs, "fd00:244:2::/64"),
    ];

    public static InteropSession Named(string name) => All.Single(s => s.Name == name);

    public bool Ibgp => SpeakerAs == RouterAs;
    public string Family => V6 ? "ipv6" : "ipv4";
    public string SpeakerAddress => V6 ? PeeringFabric.NodeV6(Index) : PeeringFabric.NodeV4(Index);
    public string RouterAddress => V6 ? PeeringFabric.TorV6 : PeeringFabric.TorV4;
    public string RouterPrefix => V6 ? RouterPrefixV6 : RouterPrefixV4;
    /// <summary>BGP identifiers must differ from the router's (10.0.0.1) and be IPv4.</summary>
    public string RouterId => $"10.0.{(V6 ? 1 : 0)}.{Index + 2}";
    /// <summary>A name routers accept as a protocol or neighbour description.</summary>
    public string Id => Name.Replace('-', '_');

    public PeerConfig Peer() => new()
    {
        Address = IPAddress.Parse(RouterAddress),
        RemoteAs = RouterAs,
        SourceAddress = IPAddress.Parse(SpeakerAddress),
        Password = Password,
    };
}
