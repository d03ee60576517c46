using System.Text;
using System.Text.Json.Nodes;
using L3Net.Datastore;
using L3Net.Datastore.Kubernetes;
using L3Net.Datastore.Sqlite;
using L3Net.Model.Resources;
using L3Net.Model.Validation;
using L3Net.Node.Bgp;
using L3Net.Node.Kubernetes;
using L3Net.Tests.Unit.Kubernetes;
using Xunit;
using static L3Net.Tests.Unit.Kubernetes.KubeTestSupport;

namespace L3Net.Tests.Unit.Node;

/// <summary>Issue 18, BGPPeer spec.password.secretKeyRef: on the Kubernetes datastore the node reads the Secret of its
/// own namespace (through KubernetesClient, from the fake API server) and hands the key to the speaker as the MD5
/// password; a missing Secret or key leaves the peer without a session and says so; elsewhere apply refuses it.</summary>
public sealed class KubeSecretPasswordsTests
{
    private static readonly NodeResource Self = new()
    {
        Metadata = { Name = "n1" },
        Spec = { Bgp = new NodeBgpSpec { Ipv4Address = "10.0.0.1/24" } },
    };

    private static BGPPeer Tor(string name, string ip, string secret, string key) => new()
    {
        Metadata = { Name = name },
        Spec = new BGPPeerSpec { PeerIp = ip, AsNumber = "65001", Password = new BgpPassword { SecretKeyRef = new SecretKeyRef { Name = secret, Key = key } } },
    };

    private static JsonObject Secret(string name, string ns, string key, string value) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["data"] = new JsonObject { [key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) },
    };

    [Fact]
    public async Task The_key_of_the_named_Secret_in_the_nodes_namespace_becomes_the_sessions_MD5_password()
    {
        await using var server = NewServer();
        server.Put(KubeResource.Secrets, Secret("bgp-secrets", "l3net-system", "rack1", "s3cret-md5"));
        server.Put(KubeResource.Secrets, Secret("bgp-secrets", "kube-system", "rack1", "the-wrong-namespace"));
        using var api = Client(server);
        BGPPeer[] peers = [Tor("good", "10.0.0.254", "bgp-secrets", "rack1"), Tor("no-key", "10.0.0.253", "bgp-secrets", "rack2"),
            Tor("no-secret", "10.0.0.252", "gone", "rack1")];

        var passwords = await KubeSecretPasswords.ReadAsync(api, "l3net-system", peers, TestContext.Current.CancellationToken);
        var warnings = new List<string>();
        var sessions = PeerCalculator.Calculate(new BgpInputs(Self, [Self], null, peers), warnings.Add, passwords);

        var session = Assert.Single(sessions);
        Assert.Equal("10.0.0.254", session.Address.ToString());
        Assert.Equal("s3cret-md5", session.Password);
        Assert.Contains(warnings, w => w.Contains("BGPPeer no-key") && w.Contains("Secret l3net-system/bgp-secrets has no key 'rack2'") && w.Contains("not started"));
        Assert.Contains(warnings, w => w.Contains("BGPPeer no-secret") && w.Contains("Secret l3net-system/gone does not exist"));
        Assert.Contains(server.Requests, r => r == "GET /api/v1/namespaces/l3net-system/secrets/bgp-secrets");
    }

    [Fact]
    public void Without_Secrets_to_read_a_secretKeyRef_peer_gets_no_session_and_a_warning()
    {
        var warnings = new List<string>();
        var sessions = PeerCalculator.Calculate(new BgpInputs(Self, [Self], null, [Tor("t", "10.0.0.254", "s", "k")]), warnings.Add);

        Assert.Empty(sessions);
        Assert.Contains("needs the Kubernetes datastore", Assert.Single(warnings));
    }

    [Fact]
    public async Task Apply_on_a_datastore_without_Secrets_refuses_secretKeyRef_naming_the_field()
    {
        var dir = Directory.CreateTempSubdirectory("l3net-secretref-");
        try
        {
            await using var datastore = SqliteDatastore.Open(Path.Combine(dir.FullName, "l3net.db"));
            var store = new ResourceStore(datastore);

            var e = await Assert.ThrowsAsync<ResourceValidationException>(() => store.ApplyAsync(Tor("t", "10.0.0.254", "s", "k"), TestContext.Current.CancellationToken));

            Assert.Contains("spec.password.secretKeyRef", e.Message);
            Assert.Null(await store.GetAsync<BGPPeer>("t", ct: TestContext.Current.CancellationToken));
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
