using L3Net.Model.Resources;
using L3Net.Model.Serialization;
using Xunit;

namespace L3Net.Tests.Fuzz;

/// <summary>Crashes the resource target found: YAML that YamlDotNet's loader or our validators did not expect escaped as
/// ArgumentException or NullReferenceException; now it is refused naming the line or the field, or read as unset.</summary>
public sealed class ResourceRegressionTests
{
    [Fact]
    public void A_mapping_entry_without_a_key_is_malformed_yaml_with_its_line()
    {
        var e = Assert.Throws<ResourceFormatException>(() => ResourceCodec.Parse("apiVersion: l3net.io/v1\nkind: IPPool\nmetadata:\n : x\n", "p.yaml"));
        Assert.Contains("malformed YAML at or before line 5", e.Message); // the key is missing on line 4
        Assert.Contains("a mapping entry has no key", e.Message);
    }

    [Theory]
    [InlineData("spec: ~")]
    [InlineData("spec:\n  podSelector:")]
    [InlineData("spec:\n  podSelector: null")]
    public void A_null_field_is_unset_and_keeps_its_default(string spec)
    {
        var parsed = ResourceCodec.Parse($"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: default}}\n{spec}\n");
        var policy = Assert.IsType<NetworkPolicy>(Assert.Single(parsed.Resources));
        Assert.NotNull(policy.Spec.PodSelector);
    }

    [Theory]
    [InlineData("spec:\n  podSelector: {}\n  ingress: [~]", "spec.ingress[0]: empty entry (line 6)")]
    [InlineData("spec:\n  podSelector: {}\n  egress:\n  - to:\n    -", "spec.egress[0].to[0]: empty entry (line 8)")]
    public void An_empty_list_entry_is_refused_naming_it(string spec, string expected)
    {
        var e = Assert.Throws<ResourceFormatException>(() =>
            ResourceCodec.Parse($"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: default}}\n{spec}\n"));
        Assert.Contains(expected, e.Message);
    }
}
