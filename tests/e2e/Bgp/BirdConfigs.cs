namespace L3Net.Tests.E2e.Bgp;

/// <summary>BIRD configurations for the BGP tests: a base (router ID, interfaces, blackhole statics to announce) and
/// BGP protocols with short timers.</summary>
internal static class BirdConfigs
{
    /// <summary>Router ID, device and direct protocols, and one static protocol per family with routes
    /// (<paramref name="v4Routes"/> / <paramref name="v6Routes"/> are BIRD route statements; empty: no protocol).</summary>
    public static string Base(string routerId, string v4Routes, string v6Routes = "")
        => $$"""
        router id {{routerId}};
        protocol device { scan time 1; }
        protocol direct { ipv4; ipv6; }
        {{(v4Routes.Length == 0 ? "" : $"protocol static {{ ipv4; {v4Routes} }}")}}
        {{(v6Routes.Length == 0 ? "" : $"protocol static {{ ipv6; {v6Routes} }}")}}

        """;

    /// <summary>One BGP protocol; <paramref name="export"/> is a BIRD export clause ("all", "where net = ...": a router
    /// shared by many sessions exports only its own prefix, never one session's routes to another).</summary>
    public static string Protocol(string name, string local, uint localAs, string neighbor, uint neighborAs, string family,
        string export, string channelExtra = "", string protocolExtra = "") => $$"""
        protocol bgp {{name}} {
          local {{local}} as {{localAs}};
          neighbor {{neighbor}} as {{neighborAs}};
          hold time 9; keepalive time 3; connect retry time 1; connect delay time 1; error wait time 1, 5;
          {{protocolExtra}}
          {{family}} { import all; export {{export}}; {{channelExtra}} };
        }

        """;

    /// <summary>A router with one BGP protocol "l3net" announcing <paramref name="staticRoute"/>.</summary>
    public static string Peer(string routerId, string local, uint localAs, string neighbor, uint neighborAs, string family,
        string staticRoute, string channelExtra = "", string protocolExtra = "", string extraStatic = "")
    {
        var routes = $"route {staticRoute} blackhole; {extraStatic}";
        return Base(routerId, family == "ipv4" ? routes : "", family == "ipv6" ? routes : "")
            + Protocol("l3net", local, localAs, neighbor, neighborAs, family, $"where net = {staticRoute}", channelExtra, protocolExtra);
    }
}
