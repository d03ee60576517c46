using System.Text;

namespace L3Net.Bench.Bgp;

/// <summary>
/// What a full-feed run sends: <see cref="Routes"/> prefixes from each of <see cref="Senders"/> BIRD senders (the same
/// prefixes from every one, as in bgperf2's many-peer test, so the receiver holds <c>Senders</c> candidates a prefix),
/// IPv4 (/22 and /24 mixed) or IPv6 (/32 to /48 mixed), over one link between the sender and receiver namespaces.
/// Sender <c>i</c> is its own BIRD process with its own address and AS, so the receivers see separate routers and BIRD
/// needs no port tricks to run several sessions to one neighbour.
/// </summary>
internal sealed record FeedShape(int Routes, int Senders, bool Ipv6)
{
    public const uint ReceiverAs = 65002;
    /// <summary>Sent by every sender: 500 attribute sets told apart by a community, like a real feed's sharing.</summary>
    private const int AttributeSets = 500;

    public string Family => Ipv6 ? "ipv6" : "ipv4";
    public string ReceiverAddress => Ipv6 ? "fd77::200" : "10.77.0.200";
    public string ReceiverRouterId => "10.77.0.200";
    public string SenderAddress(int i) => Ipv6 ? $"fd77::{i + 1:x}" : $"10.77.0.{i + 1}";
    public uint SenderAs(int i) => 65001 + (uint)(i == 0 ? 0 : i + 100); // 65001, 65102, 65103...: never the receiver's
    public string LinkCidr(string address) => Ipv6 ? $"{address}/64" : $"{address}/24";
    public long Paths => (long)Routes * Senders;

    /// <summary>The <paramref name="i"/>-th prefix: IPv4 <c>1.0.0.0/22</c>, <c>1.0.1.0/24</c>... as before; IPv6 a
    /// distinct top 32 bits a prefix (<c>2a00:i::/L</c>), lengths cycling through 32-48.</summary>
    private string Prefix(int i) => Ipv6
        ? $"{0x2a00 + (i >> 16):x}:{i & 0xffff:x}::/{32 + i % 17}"
        : $"{1 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}.0/{(i % 4 == 0 ? 22 : 24)}";

    /// <summary>BIRD config of sender <paramref name="i"/>: the blackhole statics in <see cref="AttributeSets"/>
    /// protocols, each adding its own community, and the BGP session to the receiver, disabled until the table is loaded.</summary>
    public string SenderConfig(int i)
    {
        var asn = SenderAs(i);
        var c = new StringBuilder($"router id 10.77.0.{i + 1};\nprotocol device {{}}\n");
        var perSet = (Routes + AttributeSets - 1) / AttributeSets;
        for (var r = 0; r < Routes; r++)
        {
            if (r % perSet == 0)
                c.Append(r == 0 ? "" : "}\n").Append($"protocol static s{r / perSet} {{ {Family} {{ import filter {{ bgp_community.add(({asn},{r / perSet})); accept; }}; }};\n");
            c.Append($" route {Prefix(r)} blackhole;\n");
        }
        c.Append($$"""
            }
            protocol bgp feed {
              disabled;
              local {{SenderAddress(i)}} as {{asn}};
              neighbor {{ReceiverAddress}} as {{ReceiverAs}};
              hold time 240; connect delay time 1; connect retry time 1;
              strict bind on; # several senders share the namespace: each listens on its own address only
              {{Family}} { import none; export all; };
            }

            """);
        return c.ToString();
    }
}
