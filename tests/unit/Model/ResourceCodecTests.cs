using L3Net.Model.Resources;
using L3Net.Model.Serialization;
using Xunit;

namespace L3Net.Tests.Unit.Model;

public sealed class ResourceCodecTests
{
    private const string Pool = """
        apiVersion: l3net.io/v1
        kind: IPPool
        metadata:
          name: {0}
        spec:
          cidr: {1}
          blockSize: {2}
        """;

    private static string PoolDoc(string name = "p", string cidr = "10.244.0.0/16", string blockSize = "26")
        => string.Format(Pool, name, cidr, blockSize);

    public static TheoryData<string, string> BadDocuments => new()
    {
        { PoolDoc(cidr: "10.0.0.0/33"), "document 1: spec.cidr: '10.0.0.0/33' is not a valid CIDR: prefix length 33 is over 32" },
        { PoolDoc(cidr: "10.0.0.1/16"), "spec.cidr: '10.0.0.1/16' is not a valid CIDR: host bits are set (did you mean 10.0.0.0/16?)" },
        { PoolDoc(blockSize: "19"), "spec.blockSize: 19 is out of range 20-32 for 10.244.0.0/16" },
        { PoolDoc(cidr: "fd00::/48", blockSize: "64"), "spec.blockSize: 64 is out of range 116-128 for fd00::/48" },
        { PoolDoc(blockSize: "big"), "spec.blockSize: 'big' is not an integer (line 7)" },
        { PoolDoc("a") + "\n---\n" + PoolDoc("b", "10.244.128.0/17"), "document 2: spec.cidr: '10.244.128.0/17' overlaps IPPool 'a' (10.244.0.0/16)" },
        { "apiVersion: l3net.io/v1\nkind: IPPoll\nmetadata: {name: p}\n", "kind: unknown kind 'IPPoll'" },
        { PoolDoc().Replace("l3net.io/v1", "l3net.io/v2"), "apiVersion: 'l3net.io/v2' is not supported for IPPool" },
        { "apiVersion: l3net.io/v1\nkind: BGPConfiguration\nmetadata: {name: default}\nspec: {asNumber: 0}\n", "spec.asNumber: AS number 0 is reserved" },
        { "apiVersion: l3net.io/v1\nkind: BGPConfiguration\nmetadata: {name: default}\nspec: {asNumber: 4294967296}\n", "spec.asNumber: '4294967296' is not an AS number" },
        { "apiVersion: l3net.io/v1\nkind: IPPool\nmetadata: {name: p\nspec: {}\n", "malformed YAML: the text ends inside an unclosed" },
        { "apiVersion: l3net.io/v1\nkind: IPPool\n  metadata: x\n", "malformed YAML at line 3" },
        { PoolDoc() + "\n  ipip: {enabled: true}\n", "spec.ipip: unknown field" },
        { PoolDoc() + "\n  ipipMode: Always\n", "spec.ipipMode: 'Always' is not supported: L3Net has no overlay and routes pod addresses natively over BGP; use Never" },
        { PoolDoc() + "\n  vxlanMode: Sometimes\n", "spec.vxlanMode: 'Sometimes' is not one of Never, Always, CrossSubnet (and L3Net supports only Never)" },
        { PoolDoc() + "\n  assignmentMode: Later\n", "spec.assignmentMode: 'Later' is not one of Automatic, Manual" },
        { PoolDoc().Replace("l3net.io/v1", "projectcalico.org/v3") + "\n  ipip: {enabled: true}\n", "spec.ipip: Calico field not supported by L3Net (remove it; L3Net would not act on it)" },
        { "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\nspec: {wireguard: {interfaceIPv4Address: 10.0.0.1}}\n", "spec.wireguard: Calico field not supported by L3Net" },
        { "apiVersion: l3net.io/v1\nkind: IPReservation\nmetadata: {name: r}\nspec: {reservedCIDRs: ['10.0.0.0/33']}\n", "spec.reservedCIDRs[0]: '10.0.0.0/33' is not a valid CIDR: prefix length 33 is over 32" },
        { "apiVersion: l3net.io/v1\nkind: BGPPeer\nmetadata: {name: tor}\nspec: {peerIP: '10.0.0.300', asNumber: 65001}\n", "spec.peerIP: '10.0.0.300' is not an address" },
        { "apiVersion: l3net.io/v1\nkind: Node\nmetadata: {name: n1}\nspec: {bgp: {ipv4Address: 10.0.1.2}}\n", "spec.bgp.ipv4Address: '10.0.1.2' is not a valid CIDR" },
        { "apiVersion: l3net.io/v1\nkind: WorkloadEndpoint\nmetadata: {name: w, namespace: default}\nspec: {node: n1, interfaceName: cali1, ports: [{name: http-, port: 80}]}\n", "spec.ports[0].name: 'http-' is not a port name" },
        { "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: default}\nspec: {podSelector: {}, ingress: [{ports: [{port: http, endPort: 90}]}]}\n", "spec.ingress[0].ports[0].endPort: needs a numeric port" },
        { "apiVersion: l3net.io/v1\nkind: IPPool\nmetadata: {name: Bad_Name}\nspec: {cidr: 10.1.0.0/16}\n", "metadata.name: 'Bad_Name' must be lowercase" },
        { "apiVersion: l3net.io/v1\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.1.0.0/16, nodeSelector: \"rack = 'a'\"}\n", "spec.nodeSelector: selector \"rack = 'a'\"".Replace("\"", "'") },
    };

    [Theory]
    [MemberData(nameof(BadDocuments))]
    public void A_bad_document_is_refused_naming_the_field_and_why(string yaml, string expected)
    {
        var e = Assert.Throws<ResourceFormatException>(() => ResourceCodec.Parse(yaml, "pools.yaml"));
        Assert.StartsWith("pools.yaml: document ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_calico_manifest_applies_with_warnings_naming_calico_only_fields()
    {
        const string calico = """
            apiVersion: projectcalico.org/v3
            kind: IPPool
            metadata:
              name: default-ipv4-ippool
              uid: 4c7a7d2e-0000-4000-8000-000000000001
            spec:
              cidr: 192.168.0.0/16
              ipipMode: Never
              natOutgoing: true
              disableBGPExport: true
            ---
            apiVersion: projectcalico.org/v3
            kind: BGPConfiguration
            metadata: {name: default}
            spec:
              logSeverityScreen: Info
              nodeToNodeMeshEnabled: false
              asNumber: 63400
              serviceClusterIPs: [{cidr: 10.96.0.0/12}]
            ---
            apiVersion: projectcalico.org/v3
            kind: BGPPeer
            metadata: {name: rack1-tor}
            spec:
              peerIP: 192.20.30.40
              asNumber: 64567
              nodeSelector: rack == 'rack-1'
              password: {secretKeyRef: {name: bgp-secrets, key: rr-password}}
            """;
        var parsed = ResourceCodec.Parse(calico, "calico.yaml");
        var pool = Assert.IsType<IPPool>(parsed.Resources[0]);
        Assert.Equal(("192.168.0.0/16", true, true, "l3net.io/v1"), (pool.Spec.Cidr, pool.Spec.NatOutgoing, pool.Spec.DisableBgpExport, pool.ApiVersion));
        var config = Assert.IsType<BGPConfiguration>(parsed.Resources[1]);
        Assert.Equal(("63400", false, "Info", "10.96.0.0/12"), (config.Spec.AsNumber, config.Spec.NodeToNodeMeshEnabled, config.Spec.LogSeverity, config.Spec.ServiceClusterIps![0].Cidr));
        var peer = Assert.IsType<BGPPeer>(parsed.Resources[2]);
        Assert.Equal("rr-password", peer.Spec.Password!.SecretKeyRef!.Key);
        Assert.Equal("calico.yaml: document 1 (IPPool 'default-ipv4-ippool'): Calico field metadata.uid is not used by L3Net and was ignored",
            Assert.Single(parsed.Warnings));
    }

    [Fact]
    public void A_policy_port_is_read_from_a_number_or_a_name_and_written_back_as_the_api_has_it()
    {
        // The API server's form of a networking.k8s.io NetworkPolicy: numeric ports are JSON numbers.
        const string json = """
            {"apiVersion": "l3net.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web", "namespace": "default"},
             "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80}, {"port": "http", "protocol": "TCP"}]}]}}
            """;
        var info = ResourceKinds.Resolve("NetworkPolicy").JsonTypeInfo;
        var policy = (NetworkPolicy)System.Text.Json.JsonSerializer.Deserialize(json, info)!;
        Assert.Equal(["80", "http"], policy.Spec.Ingress![0].Ports!.Select(p => p.Port));
        var written = System.Text.Json.JsonSerializer.Serialize(policy, info);
        Assert.Contains("\"port\":80", written);
        Assert.Contains("\"port\":\"http\"", written);
    }

    [Fact]
    public void Json_input_and_lists_are_read_like_yaml()
    {
        const string json = """
            {"kind": "List", "items": [
              {"apiVersion": "l3net.io/v1", "kind": "Node", "metadata": {"name": "n1", "labels": {"rack": "r1"}},
               "spec": {"bgp": {"ipv4Address": "10.0.1.2/24", "asNumber": "1.10", "routeReflectorClusterID": "224.0.0.1"}}}]}
            """;
        var node = Assert.IsType<NodeResource>(Assert.Single(ResourceCodec.Parse(json).Resources));
        Assert.Equal(("10.0.1.2/24", "r1"), (node.Spec.Bgp!.Ipv4Address, node.Metadata.Labels["rack"]));
        Assert.Equal((1u << 16) + 10, Asn.Parse(node.Spec.Bgp.AsNumber!));
    }

    [Fact]
    public void Yaml_output_reads_back_the_same_and_quotes_what_would_change_type()
    {
        var peer = new BGPPeer
        {
            Metadata = { Name = "tor" },
            Spec = { PeerIp = "10.0.0.1:1790", AsNumber = "65001", Password = new BgpPassword { Value = "true" } },
        };
        var yaml = ResourceCodec.ToYaml(peer);
        Assert.StartsWith("apiVersion: l3net.io/v1\nkind: BGPPeer\n", yaml);
        Assert.Contains("asNumber: \"65001\"", yaml);
        var back = Assert.IsType<BGPPeer>(Assert.Single(ResourceCodec.Parse(yaml).Resources));
        Assert.Equal(ResourceCodec.ToJson(peer), ResourceCodec.ToJson(back));
    }
}
