using L3Net.Model.Resources;

namespace L3Net.Node.Cache;

/// <summary>
/// What a datastore keeps beside the resources and the node lays over them: under the Kubernetes datastore the API's
/// Pods (an endpoint's live labels and named ports), Namespaces (labels for namespaceSelectors) and Nodes (labels and
/// InternalIP for the peer calculation). The <see cref="ClusterCache"/> lays it over each record as the record enters
/// the cache, and again over just the records a <see cref="MetadataChange"/> concerns.
/// </summary>
public interface IClusterMetadata
{
    /// <summary>Lays the endpoint's pod over it (a copy the cache owns, not yet handed out).</summary>
    void Overlay(WorkloadEndpoint endpoint);

    /// <summary>Lays the Kubernetes Node of the same name over it (a copy the cache owns, not yet handed out).</summary>
    void Overlay(NodeResource node);

    /// <summary>Labels of a namespace as of now: the same instance until a namespace changes.</summary>
    Func<string, IReadOnlyDictionary<string, string>> NamespaceLabels { get; }
}

/// <summary>The metadata kinds a <see cref="MetadataChange"/> names.</summary>
public enum MetadataKind
{
    Pod,
    Namespace,
    Node,
}

/// <summary>One change of <see cref="IClusterMetadata"/>: a pod (<c>namespace/name</c>), a namespace or a node by its
/// key, or, with no key, the whole kind (a relist, which may have changed anything of it).</summary>
public readonly record struct MetadataChange(MetadataKind Kind, string? Key);
