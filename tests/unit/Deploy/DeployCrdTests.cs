using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using L3Net.Datastore.Kubernetes;
using L3Net.Model.Resources;
using L3Net.Model.Validation;
using Xunit;
using static L3Net.Tests.Unit.Deploy.DeployManifests;

namespace L3Net.Tests.Unit.Deploy;

/// <summary>The CRDs against the model: one per stored kind, named and scoped as the Kubernetes datastore
/// addresses it, with exactly the model's fields, and schemas that accept and refuse what the model's validator
/// accepts and refuses.</summary>
public sealed class DeployCrdTests
{
    private static JsonObject Crd(string plural) => Get("CustomResourceDefinition", $"{plural}.{KubeKeyMap.Group}");

    private static JsonNode SpecSchema(JsonObject crd) => At(crd, "spec.versions")!.AsArray()
        .Single(v => v!["storage"]!.GetValue<bool>())!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!;

    /// <summary>The kinds stored as l3net.io CRDs (NetworkPolicy uses the cluster's own networking.k8s.io type).</summary>
    public static TheoryData<string> CrdKinds() => new(ResourceKinds.All.Select(k => k.Kind).Where(k => k != "NetworkPolicy"));

    [Theory]
    [MemberData(nameof(CrdKinds))]
    public void Each_stored_kind_has_a_CRD_where_the_datastore_looks_for_it(string kind)
    {
        var info = ResourceKinds.Resolve(kind);
        var route = KubeKeyMap.TypedRoutes.Single(r => r.KeyPrefix == info.KeyPrefix);
        var crd = Crd(route.Resource.Plural);

        Assert.Equal(KubeKeyMap.Group, Str(crd, "spec.group"));
        Assert.Equal(info.Kind, Str(crd, "spec.names.kind"));
        Assert.Equal(route.Resource.Kind, info.Kind);
        Assert.Equal(info.Namespaced ? "Namespaced" : "Cluster", Str(crd, "spec.scope"));
        Assert.Equal(route.Resource.Namespaced, info.Namespaced);
        var version = Assert.Single(At(crd, "spec.versions")!.AsArray());
        Assert.Equal(KubeKeyMap.Version, Str(version, "name"));
    }

    [Fact]
    public void The_records_CRD_exists_and_every_CRD_is_routed()
    {
        var records = Crd(KubeKeyMap.Records.Plural);
        Assert.Equal(KubeKeyMap.Records.Kind, Str(records, "spec.names.kind"));
        var routed = KubeKeyMap.TypedRoutes.Select(r => r.Resource).Append(KubeKeyMap.Records)
            .Where(r => r.Group == KubeKeyMap.Group).Select(r => $"{r.Plural}.{r.Group}").Order().ToList();
        Assert.Equal(routed, OfKind("CustomResourceDefinition").Select(c => Str(c, "metadata.name")!).Order().ToList());
    }

    [Theory]
    [MemberData(nameof(CrdKinds))]
    public void A_CRD_schema_has_exactly_the_models_spec_fields(string kind)
    {
        var info = ResourceKinds.Resolve(kind);
        var specType = info.ClrType.GetProperty("Spec")!.PropertyType;
        var schema = SpecSchema(Crd(KubeKeyMap.TypedRoutes.Single(r => r.KeyPrefix == info.KeyPrefix).Resource.Plural));

        var mismatches = new List<string>();
        CompareFields(specType, schema, info.JsonTypeInfo.Options, "spec", mismatches);

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private static void CompareFields(Type type, JsonNode schema, JsonSerializerOptions options, string path, List<string> mismatches)
    {
        var model = options.GetTypeInfo(type).Properties.ToDictionary(p => p.Name, p => p.PropertyType);
        var crd = (schema["properties"] as JsonObject ?? []).Select(p => p.Key).ToHashSet();
        mismatches.AddRange(model.Keys.Except(crd).Select(f => $"{path}.{f}: in the model, not in the CRD"));
        mismatches.AddRange(crd.Except(model.Keys).Select(f => $"{path}.{f}: in the CRD, not in the model"));
        foreach (var (name, propertyType) in model.Where(m => crd.Contains(m.Key)))
        {
            var child = schema["properties"]![name]!;
            var element = Nullable.GetUnderlyingType(propertyType) ?? propertyType;
            if (element != typeof(string) && typeof(IEnumerable).IsAssignableFrom(element) && element.IsGenericType
                && element.GetGenericArguments() is [var item] && IsObject(item))
                CompareFields(item, child["items"]!, options, $"{path}.{name}[]", mismatches);
            else if (IsObject(element))
                CompareFields(element, child, options, $"{path}.{name}", mismatches);
        }
    }

    private static bool IsObject(Type t) => t.IsClass && t != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(t);

    /// <summary>Documents the model's validator accepts or refuses (the flag says which), each of which the CRD
    /// schema must judge the same way. Rules that span fields are CEL rules in the CRD and not exercised here.</summary>
    public static TheoryData<string, string, bool> Samples() => new()
    {
        { "IPPool", """{"cidr":"10.244.0.0/16","blockSize":26,"natOutgoing":true,"allowedUses":["Workload"]}""", true },
        { "IPPool", """{"cidr":"fd00:10::/48","blockSize":122}""", true },
        { "IPPool", """{"cidr":"10.0.0.0/33"}""", false },
        { "IPPool", """{"cidr":"not-a-cidr"}""", false },
        { "IPPool", """{"cidr":"300.0.0.0/8"}""", false },
        { "IPPool", """{"cidr":"10.0.0.0/16","blockSize":19}""", false },
        { "IPPool", """{"cidr":"10.0.0.0/16","allowedUses":["Other"]}""", false },
        { "IPPool", """{"cidr":"10.0.0.0/16","ipipMode":"Never","vxlanMode":"Never","assignmentMode":"Manual"}""", true },
        { "IPPool", """{"cidr":"10.0.0.0/16","ipipMode":"Always"}""", false },
        { "IPPool", """{"cidr":"10.0.0.0/16","vxlanMode":"CrossSubnet"}""", false },
        { "IPPool", """{"cidr":"10.0.0.0/16","assignmentMode":"Sometimes"}""", false },
        { "IPReservation", """{"reservedCIDRs":["10.0.2.3","10.0.2.0/28","fd00::/123","fd00::5"]}""", true },
        { "IPReservation", """{"reservedCIDRs":["10.0.2.300"]}""", false },
        { "IPReservation", """{"reservedCIDRs":["10.0.2.0/33"]}""", false },
        { "IPAMConfiguration", """{"strictAffinity":true,"maxBlocksPerHost":4}""", true },
        { "IPAMConfiguration", """{"maxBlocksPerHost":-1}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","ttlSecurity":1,"maxPrefixes":100,"sourceAddress":"None"}""", true },
        { "BGPPeer", """{"peerIP":"10.0.0.1:1790","asNumber":"1.10","maxRestartTime":"120s","password":{"secretKeyRef":{"name":"s","key":"k"}}}""", true },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"abc"}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","ttlSecurity":0}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","ttlSecurity":256}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","sourceAddress":"Other"}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","maxPrefixes":0}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","maxRestartTime":"soon"}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","keepaliveTime":"30s","holdTime":"90s"}""", true },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","holdTime":"often"}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","filters":["allow-pods"]}""", true },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","filters":["Allow Pods"]}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","maxPrefixes":10,"maxPrefixesAction":"Warn"}""", true },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","maxPrefixes":10,"maxPrefixesAction":"Block"}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","maxPrefixes":10,"maxPrefixesRestartTime":"30s"}""", true },
        { "BGPFilter", """{"exportV4":[{"action":"Reject","matchOperator":"In","cidr":"10.244.0.0/16","prefixLength":{"min":26,"max":32}}],"importV6":[{"action":"Accept","source":"RemotePeers"}]}""", true },
        { "BGPFilter", """{"importV4":[{"action":"Reject","matchOperator":"In","cidr":"10.0.0.0/33"}]}""", false },
        { "BGPFilter", """{"importV4":[{"action":"Reject","matchOperator":"Within","cidr":"10.0.0.0/8"}]}""", false },
        { "BGPFilter", """{"importV4":[{"action":"Drop"}]}""", false },
        { "BGPFilter", """{"exportV6":[{"action":"Accept","matchOperator":"In","cidr":"fd00::/8","prefixLength":{"max":129}}]}""", false },
        { "BGPFilter", """{"importV4":[{"action":"Accept","matchOperator":"In","cidr":"10.0.0.0/8","prefixLength":{"min":33}}]}""", false },
        { "BGPFilter", """{"importV4":[{"action":"Accept","source":"Elsewhere"}]}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","bfd":{"enabled":true,"minRxMs":10,"minTxMs":60000,"multiplier":1}}""", true },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","bfd":{"enabled":true,"minRxMs":9}}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","bfd":{"enabled":true,"minTxMs":60001}}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","bfd":{"enabled":true,"multiplier":0}}""", false },
        { "BGPPeer", """{"peerIP":"10.0.0.1","asNumber":"64512","bfd":{"enabled":true,"multiplier":256}}""", false },
        { "BGPConfiguration", """{"asNumber":"64512","listenPort":179,"logSeverityScreen":"Info","communities":[{"name":"c","value":"64512:100"}]}""", true },
        { "BGPConfiguration", """{"listenPort":70000}""", false },
        { "BGPConfiguration", """{"bfd":{"enabled":true,"minRxMs":300,"minTxMs":300,"multiplier":3}}""", true },
        { "BGPConfiguration", """{"bfd":{"minRxMs":0}}""", false },
        { "BGPConfiguration", """{"listenPort":0}""", false },
        { "BGPConfiguration", """{"logSeverityScreen":"Loud"}""", false },
        { "BGPConfiguration", """{"communities":[{"name":"c","value":"x"}]}""", false },
        { "Node", """{"bgp":{"ipv4Address":"10.0.1.2/24","asNumber":"64512","routeReflectorClusterID":"224.0.0.1"}}""", true },
        { "Node", """{"bgp":{"ipv4Address":"10.0.1.2"}}""", false },
        { "Node", """{"bgp":{"ipv6Address":"10.0.1.2/24"}}""", false },
        { "Node", """{"bgp":{"routeReflectorClusterID":"rr1"}}""", false },
        { "WorkloadEndpoint", """{"node":"n1","interfaceName":"cali0123456789a","ipNetworks":["10.244.1.5/32"]}""", true },
        { "WorkloadEndpoint", """{"node":"n1","interfaceName":"cali1","ports":[{"name":"http","protocol":"TCP","port":8080},{"name":"dns","protocol":"UDP","port":53}]}""", true },
        { "WorkloadEndpoint", """{"node":"n1","interfaceName":"cali1","ports":[{"name":"http","protocol":"ICMP","port":8080}]}""", false },
        { "WorkloadEndpoint", """{"node":"n1","interfaceName":"cali1","ports":[{"name":"Http","port":8080}]}""", false },
        { "WorkloadEndpoint", """{"node":"n1","interfaceName":"cali1","ports":[{"name":"http","port":0}]}""", false },
        { "WorkloadEndpoint", """{"node":"n1","interfaceName":"cali0123456789ab"}""", false },
        { "WorkloadEndpoint", """{"interfaceName":"cali1"}""", false },
        { "WorkloadEndpoint", """{"node":"n1"}""", false },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void The_CRD_schema_and_the_model_validator_agree(string kind, string spec, bool valid)
    {
        var info = ResourceKinds.Resolve(kind);
        var name = kind is "BGPConfiguration" or "IPAMConfiguration" ? "default" : "sample";
        var ns = info.Namespaced ? ",\"namespace\":\"default\"" : "";
        var json = $$"""{"apiVersion":"l3net.io/v1","kind":"{{kind}}","metadata":{"name":"{{name}}"{{ns}}},"spec":SPEC}""".Replace("SPEC", spec);
        var resource = (Resource)JsonSerializer.Deserialize(json, info.JsonTypeInfo)!;
        var schema = SpecSchema(Crd(KubeKeyMap.TypedRoutes.Single(r => r.KeyPrefix == info.KeyPrefix).Resource.Plural));

        var model = ResourceValidator.Validate(resource);
        var crd = OpenApiSchemaCheck.Errors(schema, JsonNode.Parse(spec), "spec");

        Assert.True(valid == (model.Count == 0), $"the sample is meant to be {(valid ? "valid" : "invalid")}; the validator says: {string.Join("; ", model)}");
        Assert.True(valid == (crd.Count == 0), $"the model says {(valid ? "valid" : string.Join("; ", model))}; the CRD schema says: {(crd.Count == 0 ? "valid" : string.Join("; ", crd))}");
    }

    [Fact]
    public void The_default_pool_is_valid_for_the_model_and_the_CRD()
    {
        var pool = Assert.Single(OfKind("IPPool"));
        var resource = (IPPool)JsonSerializer.Deserialize(pool.ToJsonString(), ResourceKinds.Of<IPPool>().JsonTypeInfo)!;

        Assert.Empty(ResourceValidator.Validate(resource));
        Assert.Empty(OpenApiSchemaCheck.Errors(SpecSchema(Crd("ippools")), pool["spec"], "spec"));
    }
}
