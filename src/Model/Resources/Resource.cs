namespace L3Net.Model.Resources;

/// <summary>Kubernetes-style object metadata. <see cref="ResourceVersion"/> carries the datastore revision the
/// object was read at; writes send it back for compare-and-swap.</summary>
public sealed class ObjectMeta
{
    public string Name { get; set; } = "";
    public string? Namespace { get; set; }
    public Dictionary<string, string> Labels { get; set; } = [];
    public Dictionary<string, string> Annotations { get; set; } = [];
    public string? ResourceVersion { get; set; }
    public DateTimeOffset? CreationTimestamp { get; set; }
}

/// <summary>A document with <c>apiVersion</c>, <c>kind</c>, <c>metadata</c> and a typed <c>spec</c>.</summary>
public abstract class Resource
{
    public const string ApiVersionV1 = "l3net.io/v1";

    public string ApiVersion { get; set; } = ApiVersionV1;
    public abstract string Kind { get; }
    public ObjectMeta Metadata { get; set; } = new();
}

public abstract class Resource<TSpec> : Resource where TSpec : new()
{
    public TSpec Spec { get; set; } = new();
}
