using System.Security.Cryptography.X509Certificates;
using YamlDotNet.RepresentationModel;

namespace L3Net.Datastore.Kubernetes;

/// <summary>
/// Where the API server is and how to prove who we are: the in-cluster service account, or a kubeconfig file
/// (its current context; token, token file or client certificate; CA file or inline data).
/// </summary>
public sealed class KubeConfig
{
    public const string ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

    public required Uri Server { get; init; }

    /// <summary>The roots the server's certificate must chain to; null means the system's trust store.</summary>
    public X509Certificate2Collection? CaCertificates { get; init; }

    public bool InsecureSkipTlsVerify { get; init; }
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>A fixed bearer token (kubeconfig <c>token</c>).</summary>
    public string? Token { get; init; }

    /// <summary>A file holding the bearer token, read again every minute: projected service-account tokens are
    /// rotated by the kubelet while we run.</summary>
    public string? TokenFile { get; init; }

    public string Namespace { get; init; } = "default";

    /// <summary>The configuration the datastore string <c>kubernetes</c> means: an explicit kubeconfig path,
    /// else the service account when running in a pod, else <c>$KUBECONFIG</c>, else <c>~/.kube/config</c>.</summary>
    public static KubeConfig Resolve(string? kubeconfigPath = null)
    {
        if (!string.IsNullOrEmpty(kubeconfigPath))
            return FromKubeconfigFile(kubeconfigPath);
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")))
            return InCluster();
        var env = Environment.GetEnvironmentVariable("KUBECONFIG");
        var path = !string.IsNullOrEmpty(env)
            ? env.Split(':', StringSplitOptions.RemoveEmptyEntries)[0]
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return FromKubeconfigFile(path);
    }

    /// <summary>The pod's service account: the API server from the environment the kubelet sets, token and CA
    /// from the mounted secret directory.</summary>
    public static KubeConfig InCluster(string serviceAccountDir = ServiceAccountDir)
    {
        var host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        var port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
            throw new DatastoreException("in-cluster configuration needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT");
        var tokenFile = Path.Combine(serviceAccountDir, "token");
        if (!File.Exists(tokenFile))
            throw new DatastoreException($"in-cluster configuration: no service-account token at {tokenFile}");
        var nsFile = Path.Combine(serviceAccountDir, "namespace");
        return new KubeConfig
        {
            Server = new UriBuilder("https", host.Contains(':') ? $"[{host}]" : host, int.Parse(port)).Uri,
            CaCertificates = LoadPemCertificates(File.ReadAllText(Path.Combine(serviceAccountDir, "ca.crt"))),
            TokenFile = tokenFile,
            Namespace = File.Exists(nsFile) ? File.ReadAllText(nsFile).Trim() : "default",
        };
    }

    public static KubeConfig FromKubeconfigFile(string path)
    {
        if (!File.Exists(path))
            throw new DatastoreException($"kubeconfig {path} does not exist");
        try
        {
            return FromKubeconfigText(File.ReadAllText(path), Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or FormatException or System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new DatastoreException($"kubeconfig {path}: {e.Message}", e);
        }
    }

    /// <summary>Parses kubeconfig YAML; relative file references resolve against <paramref name="baseDir"/>, as
    /// kubectl does.</summary>
    public static KubeConfig FromKubeconfigText(string yaml, string baseDir)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new DatastoreException("kubeconfig is empty");
        var contextName = Scalar(root, "current-context") ?? throw new DatastoreException("kubeconfig has no current-context");
        var context = Named(root, "contexts", contextName, "context");
        var cluster = Named(root, "clusters", Scalar(context, "cluster") ?? "", "cluster");
        var user = Scalar(context, "user") is { } userName ? Named(root, "users", userName, "user") : new YamlMappingNode();

        var server = Scalar(cluster, "server") ?? throw new DatastoreException($"kubeconfig cluster of context {contextName} has no server");
        string? File(YamlMappingNode node, string key) => Scalar(node, key) is { } p ? Path.Combine(baseDir, p) : null;

        return new KubeConfig
        {
            Server = new Uri(server),
            CaCertificates = PemOf(cluster, "certificate-authority-data", File(cluster, "certificate-authority")) is { } ca
                ? LoadPemCertificates(ca) : null,
            InsecureSkipTlsVerify = Scalar(cluster, "insecure-skip-tls-verify") == "true",
            ClientCertificate = ClientCertificateOf(user, File(user, "client-certificate"), File(user, "client-key")),
            Token = Scalar(user, "token"),
            TokenFile = File(user, "tokenFile"),
            Namespace = Scalar(context, "namespace") ?? "default",
        };
    }

    private static X509Certificate2? ClientCertificateOf(YamlMappingNode user, string? certFile, string? keyFile)
    {
        var cert = PemOf(user, "client-certificate-data", certFile);
        var key = PemOf(user, "client-key-data", keyFile);
        if (cert is null && key is null)
            return null;
        if (cert is null || key is null)
            throw new DatastoreException("kubeconfig user has a client certificate without its key, or a key without its certificate");
        return X509Certificate2.CreateFromPem(cert, key);
    }

    private static string? PemOf(YamlMappingNode node, string dataKey, string? file) =>
        Scalar(node, dataKey) is { } data ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data))
        : file is not null ? System.IO.File.ReadAllText(file)
        : null;

    internal static X509Certificate2Collection LoadPemCertificates(string pem)
    {
        var certs = new X509Certificate2Collection();
        certs.ImportFromPem(pem);
        if (certs.Count == 0)
            throw new DatastoreException("CA bundle holds no certificate");
        return certs;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;

    /// <summary>The <paramref name="inner"/> mapping of the entry called <paramref name="name"/> in the list
    /// <paramref name="list"/> (kubeconfig's <c>- name: x / cluster: {...}</c> shape).</summary>
    private static YamlMappingNode Named(YamlMappingNode root, string list, string name, string inner)
    {
        if (root.Children.TryGetValue(new YamlScalarNode(list), out var seq) && seq is YamlSequenceNode entries)
        {
            foreach (var entry in entries.OfType<YamlMappingNode>())
            {
                if (Scalar(entry, "name") == name && entry.Children.TryGetValue(new YamlScalarNode(inner), out var body))
                    return body as YamlMappingNode ?? new YamlMappingNode();
            }
        }
        throw new DatastoreException($"kubeconfig has no {inner} named '{name}' in {list}");
    }
}
