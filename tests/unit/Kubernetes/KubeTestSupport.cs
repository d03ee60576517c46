using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
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

    public static FakeKubeApiServer NewServer(X509Certificate2? tls = null, bool requireClientCert = false)
    {
        var server = new FakeKubeApiServer(tls, requireClientCert);
        foreach (var resource in KubeKeyMap.TypedRoutes.Select(r => r.Resource)
                     .Append(KubeKeyMap.Records).Append(KubeResource.Pods).Append(KubeResource.Nodes).Append(KubeResource.Namespaces))
            server.Serve(resource.CollectionPath().TrimStart('/'), resource.Namespaced);
        return server;
    }

    public static KubeApiClient Client(FakeKubeApiServer server, string? token = null, KubeClientOptions? options = null) =>
        new(new KubeConfig { Server = server.Url, Token = token }, options ?? FastRetries);

    public static KubernetesDatastore NewDatastore(FakeKubeApiServer server) => new(Client(server), FastRetries);

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
