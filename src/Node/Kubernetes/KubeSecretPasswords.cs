using System.Text;
using System.Text.Json.Nodes;
using L3Net.Datastore.Kubernetes;
using L3Net.Model.Resources;
using L3Net.Node.Bgp;

namespace L3Net.Node.Kubernetes;

/// <summary>
/// BGPPeer passwords on the Kubernetes datastore, as Calico reads them: <c>spec.password.secretKeyRef</c> names a key
/// of a Secret in the namespace the node daemon runs in (<c>$L3NET_NAMESPACE</c>, which deploy/daemonset.yaml sets
/// from the downward API; <c>kube-system</c> when unset). The Secrets the peers name are read when a BGPPeer changes
/// and every resync interval while one is named (deploy/rbac.yaml lets the daemon get Secrets of that namespace only,
/// not watch them, so a Secret edited on its own is read within that interval); a missing Secret or key leaves the
/// peer without a session and says why.
/// </summary>
public sealed class KubeSecretPasswords : IPeerPasswords
{
    public const string NamespaceVariable = "L3NET_NAMESPACE";
    public const string DefaultNamespace = "kube-system";

    private readonly string _namespace;
    private readonly Dictionary<string, JsonObject?> _secrets;
    private readonly Dictionary<string, string> _unreadable;

    private KubeSecretPasswords(string ns, Dictionary<string, JsonObject?> secrets, Dictionary<string, string> unreadable)
        => (_namespace, _secrets, _unreadable) = (ns, secrets, unreadable);

    public static string NodeNamespace() =>
        Environment.GetEnvironmentVariable(NamespaceVariable) is { Length: > 0 } ns ? ns : DefaultNamespace;

    /// <summary>Reads every Secret the peers name (each once); one refused by RBAC is remembered as the problem of the
    /// peers that name it. An API server away fails the whole read, as the snapshot read it belongs to does.</summary>
    public static async Task<KubeSecretPasswords> ReadAsync(KubeApi api, string ns, IEnumerable<BGPPeer> peers, CancellationToken ct)
    {
        var collection = new KubeCollection(api, KubeResource.Secrets);
        var secrets = new Dictionary<string, JsonObject?>();
        var unreadable = new Dictionary<string, string>();
        foreach (var name in peers.Select(p => p.Spec.Password?.SecretKeyRef?.Name).OfType<string>().Distinct())
        {
            try
            {
                secrets[name] = await collection.GetAsync(name, ns, ct);
            }
            catch (KubeApiException e) when (e.Code is 401 or 403)
            {
                unreadable[name] = $"Secret {ns}/{name} may not be read ({e.Message}); check deploy/rbac.yaml";
            }
        }
        return new KubeSecretPasswords(ns, secrets, unreadable);
    }

    public bool TryResolve(BgpPassword password, out string? key, out string problem)
    {
        (key, problem) = (password.Value, "");
        if (password.SecretKeyRef is not { } r)
            return key is not null;
        if (_unreadable.TryGetValue(r.Name, out var why))
            problem = why;
        else if (_secrets.GetValueOrDefault(r.Name) is not { } secret)
            problem = $"spec.password.secretKeyRef: Secret {_namespace}/{r.Name} does not exist";
        else if (secret["data"]?[r.Key]?.GetValue<string>() is not { } base64)
            problem = $"spec.password.secretKeyRef: Secret {_namespace}/{r.Name} has no key '{r.Key}'";
        else
            key = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        return key is not null;
    }
}
