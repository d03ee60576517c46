using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using L3Net.Datastore;
using L3Net.Datastore.Kubernetes;
using Xunit;
using static L3Net.Tests.Unit.Kubernetes.KubeTestSupport;

namespace L3Net.Tests.Unit.Kubernetes;

/// <summary>The connection as KubernetesClient makes it, against the fake API server over real HTTP: paging, kubeconfig
/// files (contexts, CA and client certificate, bearer token, exec credential plugin) loaded by the library, and each
/// failure a user can meet (a kubeconfig that does not parse, a server not there, a TLS failure) in one line.</summary>
public sealed class KubeApiTests
{
    private static JsonObject Pod(string name, string node) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject { ["nodeName"] = node, ["containers"] = new JsonArray() },
    };

    [Fact]
    public async Task A_list_follows_continue_tokens_and_keeps_the_first_pages_version()
    {
        await using var server = NewServer();
        using var client = Client(server);
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 7; i++)
            server.Put(KubeResource.Pods, Pod($"p{i}", i % 2 == 0 ? "n1" : "n2"));
        var before = server.CurrentRevision;
        var pods = new KubeCollection(client, KubeResource.Pods);

        var (items, rv) = await pods.ListAsync(pageSize: 3, ct: ct);

        Assert.Equal(7, items.Count);
        Assert.Equal(before.ToString(), rv);
        Assert.Equal(3, server.Requests.Count(r => r.StartsWith("GET /api/v1/pods?", StringComparison.Ordinal) && r.Contains("limit=3")));
        var (onN1, _) = await pods.ListAsync(fieldSelector: "spec.nodeName=n1", ct: ct);
        Assert.Equal(4, onN1.Count);
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_one_line_naming_it()
    {
        var port = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        port.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)port.LocalEndpoint).Port}";
        port.Stop();
        await using var store = new KubernetesDatastore(KubeApi.Connect(new k8s.KubernetesClientConfiguration { Host = url }, FastRetries), FastRetries);

        var e = await Assert.ThrowsAsync<DatastoreUnavailableException>(() => store.GetAsync("/l3net/ippools/p", TestContext.Current.CancellationToken));

        Assert.Contains($"{url}", e.Message);
        Assert.Contains("unreachable", e.Message);
        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task A_kubeconfig_with_CA_and_client_certificate_reaches_a_TLS_server_that_verifies_both()
    {
        using var ca = new TestCa("cluster-ca");
        using var serverCert = ca.Issue("apiserver", server: true);
        using var clientCert = ca.Issue("system:node:n1", server: false);
        await using var server = NewServer(serverCert, requireClientCert: true);
        using var dir = new TempDir();
        // The CA by relative file path (resolved against the kubeconfig's folder), the client pair inline, the
        // current context picked among several.
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "ca.crt"), ca.Pem, TestContext.Current.CancellationToken);
        var kubeconfig = await dir.KubeconfigAsync(server.Url, "certificate-authority: ca.crt", $"""
            client-certificate-data: {Base64Pem(clientCert.ExportCertificatePem())}
                client-key-data: {Base64Pem(clientCert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem())}
            """);

        await using var store = KubernetesDatastore.Open("kubernetes://" + kubeconfig, FastRetries);

        Assert.Null(await store.GetAsync("/l3net/ippools/p", TestContext.Current.CancellationToken));
        Assert.Equal("CN=system:node:n1", server.LastClientCertificateSubject);
        Assert.Equal("kube-system", KubeApi.LoadConfig(kubeconfig).Namespace);
    }

    [Fact]
    public async Task A_kubeconfig_bearer_token_and_an_exec_credential_plugin_authenticate()
    {
        await using var server = NewServer();
        using var dir = new TempDir();
        server.RequiredToken = "static-token";
        var withToken = await dir.KubeconfigAsync(server.Url, "", "token: static-token");
        await using (var store = KubernetesDatastore.Open("kubernetes://" + withToken, FastRetries))
            Assert.Null(await store.GetAsync("/l3net/ippools/p", TestContext.Current.CancellationToken));

        // An exec plugin (as cloud providers ship them) prints an ExecCredential; the library runs it and sends its token.
        var plugin = Path.Combine(dir.Path, "credential-plugin");
        await File.WriteAllTextAsync(plugin, """
            #!/bin/sh
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token"}}'
            """, TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        server.RequiredToken = "exec-token";
        var withExec = await dir.KubeconfigAsync(server.Url, "", $"""
            exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: {plugin}
                  interactiveMode: Never
            """, "exec-config");
        await using (var store = KubernetesDatastore.Open("kubernetes://" + withExec, FastRetries))
            Assert.Null(await store.GetAsync("/l3net/ippools/p", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_server_certificate_from_another_CA_is_a_one_line_TLS_error()
    {
        using var trusted = new TestCa("trusted-ca");
        using var rogue = new TestCa("rogue-ca");
        using var serverCert = rogue.Issue("apiserver", server: true);
        await using var server = NewServer(serverCert);
        using var dir = new TempDir();
        var kubeconfig = await dir.KubeconfigAsync(server.Url, $"certificate-authority-data: {Base64Pem(trusted.Pem)}", "token: t");
        await using var store = KubernetesDatastore.Open("kubernetes://" + kubeconfig, FastRetries);

        var e = await Assert.ThrowsAsync<DatastoreUnavailableException>(() => store.GetAsync("/l3net/ippools/p", TestContext.Current.CancellationToken));

        Assert.Contains("TLS", e.Message);
        Assert.Contains(server.Url.ToString().TrimEnd('/'), e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_kubeconfig_that_does_not_parse_is_one_line_naming_the_file()
    {
        using var dir = new TempDir();
        var broken = Path.Combine(dir.Path, "config");
        await File.WriteAllTextAsync(broken, "apiVersion: v1\nclusters: [ {name: c\n  cluster: {server: x}\n", TestContext.Current.CancellationToken);

        var e = Assert.Throws<DatastoreException>(() => KubernetesDatastore.Open("kubernetes://" + broken));

        Assert.StartsWith($"kubeconfig {broken}: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var missing = Assert.Throws<DatastoreException>(() => KubernetesDatastore.Open("kubernetes:///nowhere/config"));
        Assert.Equal("kubeconfig /nowhere/config does not exist", missing.Message);
    }

    [Fact]
    public async Task A_kubeconfig_without_the_current_context_names_it()
    {
        using var dir = new TempDir();
        var kubeconfig = Path.Combine(dir.Path, "config");
        await File.WriteAllTextAsync(kubeconfig, "apiVersion: v1\nkind: Config\ncurrent-context: gone\ncontexts: []\nclusters: []\nusers: []\n",
            TestContext.Current.CancellationToken);

        var e = Assert.Throws<DatastoreException>(() => KubernetesDatastore.Open("kubernetes://" + kubeconfig));

        Assert.Contains("gone", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>A folder for kubeconfig files, removed at the end.</summary>
    private sealed class TempDir : IDisposable
    {
        private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("l3net-kube-");

        public string Path => _dir.FullName;

        /// <summary>A kubeconfig whose current context (of two) reaches <paramref name="server"/>, with the cluster and
        /// user fields given (YAML lines at the cluster's and user's indentation).</summary>
        public async Task<string> KubeconfigAsync(Uri server, string clusterFields, string userFields, string name = "config")
        {
            var file = System.IO.Path.Combine(Path, name);
            await File.WriteAllTextAsync(file, $"""
                apiVersion: v1
                kind: Config
                current-context: ctx
                contexts:
                - name: other
                  context:
                    cluster: nowhere
                    user: u
                - name: ctx
                  context:
                    cluster: c
                    user: u
                    namespace: kube-system
                clusters:
                - name: nowhere
                  cluster:
                    server: https://192.0.2.1:6443
                - name: c
                  cluster:
                    server: {server}
                    {clusterFields}
                users:
                - name: u
                  user:
                    {userFields}
                """, TestContext.Current.CancellationToken);
            return file;
        }

        public void Dispose() => _dir.Delete(true);
    }
}
