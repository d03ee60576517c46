using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using L3Net.Datastore;
using L3Net.Datastore.Kubernetes;
using Xunit;
using static L3Net.Tests.Unit.Kubernetes.KubeTestSupport;

namespace L3Net.Tests.Unit.Kubernetes;

/// <summary>The REST client's transport: paging, retries with back-off on 429/503, giving up as
/// DatastoreUnavailable, bearer tokens, TLS with CA verification and client certificates from a kubeconfig.</summary>
public sealed class KubeApiClientTests
{
    private static JsonObject Pod(string name, string node) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["nodeName"] = node },
    };

    [Fact]
    public async Task A_list_follows_continue_tokens_and_keeps_the_first_pages_version()
    {
        await using var server = NewServer();
        using var client = Client(server);
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 7; i++)
            await client.CreateAsync(KubeResource.Pods.CollectionPath("default"), Pod($"p{i}", i % 2 == 0 ? "n1" : "n2"), ct);
        var before = server.CurrentRevision;

        var (items, rv) = await client.ListAsync(KubeResource.Pods.CollectionPath(), pageSize: 3, ct: ct);

        Assert.Equal(7, items.Count);
        Assert.Equal(before.ToString(), rv);
        Assert.Equal(3, server.Requests.Count(r => r.StartsWith("GET /api/v1/pods?limit=3", StringComparison.Ordinal)));
        var (onN1, _) = await client.ListAsync(KubeResource.Pods.CollectionPath(), "fieldSelector=spec.nodeName%3Dn1", ct: ct);
        Assert.Equal(4, onN1.Count);
    }

    [Fact]
    public async Task Refusals_with_429_or_503_are_retried_and_then_surface_as_unavailable()
    {
        await using var server = NewServer();
        using var client = Client(server);
        var ct = TestContext.Current.CancellationToken;

        server.FailNext(2, 429, retryAfterSeconds: 0);
        Assert.Null(await client.GetAsync(KubeResource.Pods.ItemPath("x", "default"), ct));
        server.FailNext(2, 503);
        await client.CreateAsync(KubeResource.Pods.CollectionPath("default"), Pod("x", "n1"), ct);
        Assert.NotNull(await client.GetAsync(KubeResource.Pods.ItemPath("x", "default"), ct));

        server.FailNext(100, 503);
        var e = await Assert.ThrowsAsync<DatastoreUnavailableException>(() => client.GetAsync(KubeResource.Pods.ItemPath("x", "default"), ct));
        Assert.Contains("503", e.Message);
        Assert.Contains("5 attempts", e.Message);
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_unavailable()
    {
        var port = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        port.Start();
        var url = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)port.LocalEndpoint).Port}");
        port.Stop();
        using var client = new KubeApiClient(new KubeConfig { Server = url }, FastRetries);

        await Assert.ThrowsAsync<DatastoreUnavailableException>(() => client.GetAsync("/api/v1/nodes/n1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_token_file_is_sent_as_the_bearer_token()
    {
        await using var server = NewServer();
        server.RequiredToken = "sa-token";
        var dir = Directory.CreateTempSubdirectory("l3net-kube-");
        try
        {
            var tokenFile = Path.Combine(dir.FullName, "token");
            await File.WriteAllTextAsync(tokenFile, "sa-token\n", TestContext.Current.CancellationToken);
            using var client = new KubeApiClient(new KubeConfig { Server = server.Url, TokenFile = tokenFile }, FastRetries);

            Assert.Null(await client.GetAsync("/api/v1/nodes/n1", TestContext.Current.CancellationToken));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public async Task A_kubeconfig_with_CA_and_client_certificate_reaches_a_TLS_server_that_verifies_both()
    {
        using var ca = new TestCa("cluster-ca");
        using var serverCert = ca.Issue("apiserver", server: true);
        using var clientCert = ca.Issue("system:node:n1", server: false);
        await using var server = NewServer(serverCert, requireClientCert: true);
        var dir = Directory.CreateTempSubdirectory("l3net-kube-");
        try
        {
            // The CA by relative file path (resolved against the kubeconfig's folder), the client pair inline.
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "ca.crt"), ca.Pem, TestContext.Current.CancellationToken);
            var kubeconfig = Path.Combine(dir.FullName, "config");
            await File.WriteAllTextAsync(kubeconfig, $"""
                apiVersion: v1
                kind: Config
                current-context: ctx
                contexts:
                - name: other
                  context:
                    cluster: nowhere
                - name: ctx
                  context:
                    cluster: c
                    user: u
                    namespace: kube-system
                clusters:
                - name: c
                  cluster:
                    server: {server.Url}
                    certificate-authority: ca.crt
                users:
                - name: u
                  user:
                    client-certificate-data: {Base64Pem(clientCert.ExportCertificatePem())}
                    client-key-data: {Base64Pem(clientCert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem())}
                """, TestContext.Current.CancellationToken);

            var config = KubeConfig.FromKubeconfigFile(kubeconfig);
            using var client = new KubeApiClient(config, FastRetries);
            Assert.Null(await client.GetAsync("/api/v1/nodes/n1", TestContext.Current.CancellationToken));

            Assert.Equal("kube-system", config.Namespace);
            Assert.Equal("CN=system:node:n1", server.LastClientCertificateSubject);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public async Task A_server_certificate_from_another_CA_is_refused()
    {
        using var trusted = new TestCa("trusted-ca");
        using var rogue = new TestCa("rogue-ca");
        using var serverCert = rogue.Issue("apiserver", server: true);
        await using var server = NewServer(serverCert);
        var config = new KubeConfig { Server = server.Url, CaCertificates = KubeConfigTestAccess.Pem(trusted.Pem) };
        using var client = new KubeApiClient(config, FastRetries);

        var e = await Assert.ThrowsAsync<DatastoreUnavailableException>(() => client.GetAsync("/api/v1/nodes/n1", TestContext.Current.CancellationToken));

        Assert.Contains("SSL", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void A_kubeconfig_without_the_current_context_names_what_is_missing()
    {
        var e = Assert.Throws<DatastoreException>(() => KubeConfig.FromKubeconfigText("""
            current-context: gone
            contexts: []
            """, "/tmp"));

        Assert.Contains("context named 'gone'", e.Message);
    }
}

internal static class KubeConfigTestAccess
{
    public static System.Security.Cryptography.X509Certificates.X509Certificate2Collection Pem(string pem)
    {
        var certs = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        certs.ImportFromPem(pem);
        return certs;
    }
}
