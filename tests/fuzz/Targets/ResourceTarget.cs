using System.Text;
using L3Net.Model.Serialization;
using L3Net.Model.Validation;

namespace L3Net.Fuzz;

/// <summary>
/// What <c>l3netctl apply</c> reads: YAML or JSON documents through <see cref="ResourceCodec.Parse"/> (which validates
/// each one), and what it writes back: every accepted resource must serialize to YAML and JSON that read again.
/// Contract: <see cref="ResourceFormatException"/> or <see cref="ResourceValidationException"/> and nothing else.
/// </summary>
public sealed class ResourceTarget : IFuzzTarget
{
    public string Name => "resource";

    public void Run(ReadOnlySpan<byte> input)
    {
        ParsedResources parsed;
        try
        {
            parsed = ResourceCodec.Parse(Encoding.UTF8.GetString(input), "fuzz");
        }
        catch (Exception e) when (e is ResourceFormatException or ResourceValidationException)
        {
            return; // refused with the document and field named: not a crash
        }
        // What was accepted must survive the round trip through our own writers: a refusal here is a crash.
        if (parsed.Resources.Count == 0)
            return;
        var yaml = ResourceCodec.ToYaml(parsed.Resources);
        if (ResourceCodec.Parse(yaml, "fuzz (written back as YAML)").Resources.Count != parsed.Resources.Count)
            throw new InvalidOperationException("the YAML written back holds a different number of resources");
        foreach (var resource in parsed.Resources)
            ResourceCodec.Parse(ResourceCodec.ToJson(resource), "fuzz (written back as JSON)");
    }
}
