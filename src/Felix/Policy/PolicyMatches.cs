using System.Net;
using L3Net.Felix.Ipsets;
using L3Net.Model.Resources;

namespace L3Net.Felix.Policy;

/// <summary>
/// The iptables matches a NetworkPolicy rule is made of, for one address family, and the ipsets they refer to (added
/// to <paramref name="sets"/>, where equal peers share one set across policies). Whatever depends on pods —
/// who a selector selects, which port a name stands for — lives in set members, never in rule text: a pod that gains
/// a label or a named port changes a set, and every rule stays byte-identical.
/// </summary>
internal sealed class PolicyMatches(IpVersion version, IRuleSetSink sets)
{
    /// <summary>The match on a peer's addresses (<paramref name="dir"/> is <c>src</c> for ingress, <c>dst</c> for
    /// egress), or null for an ipBlock of the other family: it allows nothing in this one.</summary>
    public string? Peer(NetworkPolicyPeer peer, string policyNamespace, string dir)
    {
        if (peer.IpBlock is { } block)
        {
            if (!IPNetwork.TryParse(block.Cidr, out _) || !version.Holds(block.Cidr))
                return null;
            var name = version.SetName("b", block.Cidr + "|" + string.Join(',', block.Except ?? []));
            sets.Fixed(new IpSet(name, version.IPv6, [block.Cidr, .. (block.Except ?? []).Where(version.Holds).Select(e => e + " nomatch")]));
            return $"-m set --match-set {name} {dir} ";
        }
        var selection = PodSelection.Of(peer, policyNamespace);
        var setName = version.SetName("s", selection.Key);
        sets.Pods(new PodSetSpec(setName, version, selection));
        return $"-m set --match-set {setName} {dir} ";
    }

    /// <summary>The protocol and port match of a policy port. A port number (or range) is matched as such; a named
    /// port resolves per pod, on <paramref name="destinations"/> (Kubernetes: ingress on the selected pods' own
    /// container ports, egress on the peer pods'), into a <c>hash:ip,port</c> set of their address, protocol and
    /// port, matched against the packet's destination address and port together.</summary>
    public string Port(NetworkPolicyPort port, PodSelection destinations)
    {
        var proto = (port.Protocol ?? "TCP").ToLowerInvariant();
        if (port.Port is null)
            return $"-p {proto} ";
        if (int.TryParse(port.Port, out var number))
            return port.EndPort is { } end ? $"-p {proto} --dport {number}:{end} " : $"-p {proto} --dport {number} ";
        var name = version.SetName("np", $"{destinations.Key}|{port.Port}|{proto}");
        sets.Pods(new PodSetSpec(name, version, destinations, port.Port, proto));
        return $"-p {proto} -m set --match-set {name} dst,dst ";
    }
}
