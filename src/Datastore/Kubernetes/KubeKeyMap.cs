using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace L3Net.Datastore.Kubernetes;

/// <summary>Where one datastore key lives in the API: the resource, the namespace (if namespaced) and the
/// object name; <see cref="Encoded"/> when the key's own name is not a valid object name.</summary>
public sealed record KubeObjectRef(KubeRoute Route, string? Namespace, string Name, string Key, bool Encoded);

/// <summary>A part of the key space stored as one resource type. Typed routes hold the l3net resources as their
/// CRDs (or, for <c>NetworkPolicy</c>, the cluster's own networking.k8s.io objects: Felix then enforces what
/// <c>kubectl</c> created); the record route holds every other key (IPAM records) as a generic
/// <c>DatastoreRecord</c> with the key and the JSON value in its spec.</summary>
public sealed record KubeRoute(string KeyPrefix, KubeResource Resource, bool IsRecord = false);

/// <summary>
/// Maps datastore keys (<c>/l3net/ippools/default</c>, <c>/l3net/workloadendpoints/ns/name</c>,
/// <c>/l3net/ipam/...</c>) to API objects and back. Object names must be DNS subdomains; a key whose name part is
/// not one is stored under a readable, hash-suffixed name and the key is kept in the <see cref="KeyAnnotation"/>.
/// </summary>
public static partial class KubeKeyMap
{
    public const string Group = "l3net.io";
    public const string Version = "v1";
    public const string Root = "/l3net/";
    public const string KeyAnnotation = "l3net.io/key";

    public static readonly KubeResource Records = new(Group, Version, "datastorerecords", "DatastoreRecord", false);

    /// <summary>Every typed route; the key prefix is <c>/l3net/{plural}/</c> as ResourceStore writes it.</summary>
    public static readonly IReadOnlyList<KubeRoute> TypedRoutes =
    [
        Typed("ippools", "IPPool", false),
        Typed("ipreservations", "IPReservation", false),
        Typed("ipamconfigurations", "IPAMConfiguration", false),
        Typed("bgppeers", "BGPPeer", false),
        Typed("bgpfilters", "BGPFilter", false),
        Typed("bgpconfigurations", "BGPConfiguration", false),
        Typed("nodes", "Node", false),
        Typed("workloadendpoints", "WorkloadEndpoint", true),
        new($"{Root}networkpolicies/", KubeResource.NetworkPolicies),
    ];

    public static readonly KubeRoute RecordRoute = new(Root, Records, IsRecord: true);

    private static KubeRoute Typed(string plural, string kind, bool namespaced) =>
        new($"{Root}{plural}/", new KubeResource(Group, Version, plural, kind, namespaced));

    public static KubeObjectRef Locate(string key)
    {
        if (!key.StartsWith(Root, StringComparison.Ordinal))
            throw new ArgumentException($"key {key} is outside {Root}: the Kubernetes datastore stores only l3net keys");
        foreach (var route in TypedRoutes)
        {
            if (!key.StartsWith(route.KeyPrefix, StringComparison.Ordinal))
                continue;
            var parts = key[route.KeyPrefix.Length..].Split('/');
            var expected = route.Resource.Namespaced ? 2 : 1;
            if (parts.Length != expected || parts.Any(p => p.Length == 0))
                throw new ArgumentException($"key {key} is not {route.KeyPrefix}{(route.Resource.Namespaced ? "{namespace}/" : "")}{{name}}");
            var (name, encoded) = ObjectName(parts[^1]);
            return new KubeObjectRef(route, route.Resource.Namespaced ? parts[0] : null, name, key, encoded);
        }
        var record = ObjectName(key[Root.Length..]);
        return new KubeObjectRef(RecordRoute, null, record.Name, key, Encoded: true);
    }

    /// <summary>The routes (and namespace, when the prefix pins one) whose keys may start with <paramref name="prefix"/>:
    /// a list or watch of a prefix reads exactly these collections and filters by key.</summary>
    public static IReadOnlyList<(KubeRoute Route, string? Namespace)> Collections(string prefix)
    {
        var result = new List<(KubeRoute, string?)>();
        foreach (var route in TypedRoutes)
        {
            if (prefix.StartsWith(route.KeyPrefix, StringComparison.Ordinal))
            {
                var rest = prefix[route.KeyPrefix.Length..];
                var slash = rest.IndexOf('/');
                return [(route, route.Resource.Namespaced && slash > 0 ? rest[..slash] : null)];
            }
            if (route.KeyPrefix.StartsWith(prefix, StringComparison.Ordinal))
                result.Add((route, null));
        }
        // Records hold every key under the root that no typed route claims.
        if (prefix.StartsWith(Root, StringComparison.Ordinal) || Root.StartsWith(prefix, StringComparison.Ordinal))
            result.Add((RecordRoute, null));
        return result;
    }

    /// <summary>The key an API object stands for: its annotation when the name had to be encoded, else the
    /// route's prefix, namespace and name.</summary>
    public static string KeyOf(KubeRoute route, System.Text.Json.Nodes.JsonObject obj)
    {
        var meta = obj["metadata"];
        if (meta?["annotations"]?[KeyAnnotation]?.GetValue<string>() is { } key)
            return key;
        var name = meta?["name"]?.GetValue<string>() ?? "";
        var ns = meta?["namespace"]?.GetValue<string>();
        return route.Resource.Namespaced ? $"{route.KeyPrefix}{ns}/{name}" : $"{route.KeyPrefix}{name}";
    }

    /// <summary>The name itself when it is a valid object name; else a lower-cased, cleaned form with a hash of
    /// the original appended, so that distinct keys never share an object.</summary>
    public static (string Name, bool Encoded) ObjectName(string name)
    {
        if (name.Length <= 253 && DnsSubdomain().IsMatch(name))
            return (name, false);
        var cleaned = InvalidChars().Replace(name.ToLowerInvariant(), "-").Trim('-', '.');
        if (cleaned.Length > 200)
            cleaned = cleaned[..200].TrimEnd('-', '.');
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..12];
        return (cleaned.Length == 0 ? hash : $"{cleaned}-{hash}", true);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("[^-a-z0-9.]+")]
    private static partial Regex InvalidChars();
}
