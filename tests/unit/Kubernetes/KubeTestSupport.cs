using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using L3Net.Datastore.Kubernetes;

namespace L3Net.Tests.Unit.Kubernetes;

/// <summary>A fake API server serving every type the datastore and the pod-metadata API use, and clients on it
/// with short back-offs so that fault tests stay fast.</summary>
internal static class KubeTestSupport
{
    public static readonly KubeClientOptions FastRetries = new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(5),
        MaxBackoff = TimeSpan.FromMilliseconds(40),
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>The fake's name for a collection (<see cref="FakeKubeApiServer.Serve"/>): its URL path.</summary>
    public static string Id(KubeResource r) => r.Group.Length == 0 ? $"api/{r.Version}/{r.Plural}" : $"apis/{r.Group}/{r.Version}/{r.Plural}";

    public static FakeKubeApiServer NewServer(X509Certificate2? tls = null, bool requireClientCert = false)
    {
        var server = new FakeKubeApiServer(tls, requireClientCert);
        foreach (var resource in KubeKeyMap.TypedRoutes.Select(r => r.Resource)
                     .Append(KubeKeyMap.Records).Append(KubeResource.Pods).Append(KubeResource.Nodes).Append(KubeResource.Namespaces)
                     .Append(KubeResource.Secrets))
            server.Serve(Id(resource), resource.Namespaced);
        return server;
    }

    /// <summary>KubernetesClient on the fake, as a kubeconfig with a bearer token would configure it.</summary>
    public static KubeApi Client(FakeKubeApiServer server, string? token = null, KubeClientOptions? options = null) =>
        KubeApi.Connect(new KubernetesClientConfiguration { Host = server.Url.ToString(), AccessToken = token }, options ?? FastRetries);

    /// <summary>Arranges a cluster object (a Pod, Namespace, Node, Secret) the way kubectl would.</summary>
    public static JsonObject Put(this FakeKubeApiServer server, KubeResource resource, JsonObject obj) =>
        server.Put(Id(resource), obj["metadata"]?["namespace"]?.GetValue<string>(), obj);

    public static KubernetesDatastore NewDatastore(FakeKubeApiServer server) => new(Client(server), FastRetries);

    /// <summary>A kubeconfig at <paramref name="path"/> naming the fake server and a bearer token, as the CNI plugin
    /// reads one under a kubelet (the e2e tests and the CNI benchmark share it).</summary>
    public static Task WriteKubeconfigAsync(string path, FakeKubeApiServer server, string token, CancellationToken ct = default) =>
        File.WriteAllTextAsync(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: "{server.Url}"
            users:
            - name: cni
              user:
                token: {token}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: cni
            current-context: fake
            """, ct);

    public static ReadOnlyMemory<byte> Json(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    public static string Base64Pem(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));
}

/// <summary>A throw-away certificate authority issuing server (127.0.0.1) and client certificates for TLS tests.</summary>
internal sealed class TestCa : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestCa(string name)
    {
        var req = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        Certificate = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    public X509Certificate2 Certificate { get; }

    public string Pem => Certificate.ExportCertificatePem();

    public X509Certificate2 Issue(string subject, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            req.CertificateExtensions.Add(san.Build());
        }
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        using var signed = req.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key),
            DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        // Through PEM so that the key is a plain exportable one, as a kubeconfig would hand it over.
        return X509Certificate2.CreateFromPem(signed.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }
}
