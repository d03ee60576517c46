namespace L3Net.Tests.E2e.Bgp;

/// <summary>BIRD configurations for the interop tests: one static route to announce, one BGP protocol "l3net".</summary>
internal static class BirdConfigs
{
    public static string Peer(string routerId, string local, uint localAs, string neighbor, uint neighborAs, string family,
        string staticRoute, string channelExtra = "", string protocolExtra = "", string extraStatic = "") => $$"""
        router id {{routerId}};
        protocol device { scan time 1; }
        protocol direct { {{family}}; }
        protocol static { {{family}}; route {{staticRoute}} blackhole; {{extraStatic}} }
        protocol bgp l3net {
          local {{local}} as {{localAs}};
          neighbor {{neighbor}} as {{neighborAs}};
          hold time 9; keepalive time 3; connect retry time 1; connect delay time 1; error wait time 1, 5;
          {{protocolExtra}}
          {{family}} { import all; export where net = {{staticRoute}}; {{channelExtra}} };
        }
        """;
}
