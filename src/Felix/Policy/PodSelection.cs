using L3Net.Model.Resources;

namespace L3Net.Felix.Policy;

/// <summary>
/// A set of pods as NetworkPolicy names them: in <see cref="Namespace"/>, or else in every namespace
/// <see cref="NamespaceSelector"/> matches; with labels matching <see cref="PodSelector"/> (null: any). Equal selections
/// have equal <see cref="Key"/>s, so they share one ipset.
/// </summary>
public sealed record PodSelection(string? Namespace, KubeLabelSelector? NamespaceSelector, KubeLabelSelector? PodSelector)
{
    /// <summary>Every pod of the cluster (an egress named port towards an ipBlock or towards anywhere).</summary>
    public static readonly PodSelection All = new(null, new KubeLabelSelector(), null);

    /// <summary>The pods a policy peer selects; a peer without a namespaceSelector stays in the policy's namespace.</summary>
    public static PodSelection Of(NetworkPolicyPeer peer, string policyNamespace)
        => new(peer.NamespaceSelector is null ? policyNamespace : null, peer.NamespaceSelector, peer.PodSelector);

    public string Key => $"{Namespace ?? "*"}|{KubeSelector.Canonical(NamespaceSelector)}|{KubeSelector.Canonical(PodSelector)}";

    public bool Matches(WorkloadEndpoint ep, Func<string, IReadOnlyDictionary<string, string>> namespaceLabels)
    {
        var ns = ep.Metadata.Namespace ?? "default";
        var inNamespace = Namespace is not null ? ns == Namespace : KubeSelector.Matches(NamespaceSelector ?? new KubeLabelSelector(), namespaceLabels(ns));
        return inNamespace && (PodSelector is null || KubeSelector.Matches(PodSelector, ep.Metadata.Labels));
    }
}
