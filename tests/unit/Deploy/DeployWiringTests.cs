using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using L3Net.Datastore.Kubernetes;
using Xunit;
using static L3Net.Tests.Unit.Deploy.DeployManifests;

namespace L3Net.Tests.Unit.Deploy;

/// <summary>The manifests hold together: kinds are known, every reference (service account, role, secret,
/// ConfigMap key, volume) resolves, the RBAC grants what the datastore calls and nothing broader, and the
/// DaemonSet runs the daemon as the contract says.</summary>
public sealed class DeployWiringTests
{
    private static readonly HashSet<string> KnownKinds =
    [
        "CustomResourceDefinition", "ServiceAccount", "Secret", "ClusterRole", "ClusterRoleBinding", "Role",
        "RoleBinding", "ConfigMap", "DaemonSet", "IPPool",
    ];

    private static readonly string[] Capabilities = ["NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE"];

    private static JsonObject DaemonSet => Get("DaemonSet", "l3net-node");
    private static JsonObject PodSpec => (JsonObject)At(DaemonSet, "spec.template.spec")!;
    private static JsonObject Container(string name) => (JsonObject)PodSpec["containers"]!.AsArray().Concat(PodSpec["initContainers"]!.AsArray())
        .Single(c => Str(c, "name") == name)!;
    private static JsonObject ConfigData => (JsonObject)Get("ConfigMap", "l3net-config")["data"]!;

    [Fact]
    public void Every_document_is_a_known_kind_with_a_name_and_namespaced_objects_live_in_kube_system()
    {
        Assert.True(All.Count >= 10, $"only {All.Count} documents under deploy/");
        foreach (var (file, doc) in All)
        {
            Assert.True(KnownKinds.Contains(Str(doc, "kind") ?? ""), $"{file}: unknown kind {Str(doc, "kind")}");
            Assert.False(string.IsNullOrEmpty(Str(doc, "apiVersion")), $"{file}: {Str(doc, "kind")} without apiVersion");
            Assert.False(string.IsNullOrEmpty(Str(doc, "metadata.name")), $"{file}: {Str(doc, "kind")} without a name");
            if (Str(doc, "kind") is "ServiceAccount" or "Secret" or "Role" or "RoleBinding" or "ConfigMap" or "DaemonSet")
                Assert.Equal("kube-system", Str(doc, "metadata.namespace"));
        }
    }

    [Fact]
    public void Bindings_name_existing_roles_and_service_accounts_and_the_DaemonSet_runs_as_a_bound_one()
    {
        foreach (var binding in OfKind("ClusterRoleBinding").Concat(OfKind("RoleBinding")))
        {
            Get(Str(binding, "roleRef.kind")!, Str(binding, "roleRef.name")!);
            foreach (var subject in binding["subjects"]!.AsArray())
                Assert.Equal("kube-system", Str(Get(Str(subject, "kind")!, Str(subject, "name")!), "metadata.namespace"));
        }
        var account = Str(PodSpec, "serviceAccountName")!;
        Get("ServiceAccount", account);
        Assert.Contains(OfKind("ClusterRoleBinding"), b => b["subjects"]!.AsArray().Any(s => Str(s, "name") == account));
        var token = Get("Secret", "l3net-cni-token");
        Get("ServiceAccount", token["metadata"]!["annotations"]!["kubernetes.io/service-account.name"]!.GetValue<string>());
        Assert.Equal("kubernetes.io/service-account-token", Str(token, "type"));
    }

    private static bool Grants(JsonObject role, string group, string resource, string verb) =>
        role["rules"]!.AsArray().Any(r => r!["apiGroups"]!.AsArray().Any(g => g!.GetValue<string>() == group)
            && r["resources"]!.AsArray().Any(x => x!.GetValue<string>() == resource)
            && r["verbs"]!.AsArray().Any(v => v!.GetValue<string>() == verb));

    [Fact]
    public void The_node_role_covers_every_collection_the_datastore_reads_and_watches()
    {
        var role = Get("ClusterRole", "l3net-node");
        foreach (var resource in KubeKeyMap.TypedRoutes.Select(r => r.Resource).Append(KubeKeyMap.Records)
                     .Append(KubeResource.Pods).Append(KubeResource.Nodes).Append(KubeResource.Namespaces))
        {
            foreach (var verb in new[] { "get", "list", "watch" })
                Assert.True(Grants(role, resource.Group, resource.Plural, verb), $"l3net-node cannot {verb} {resource.Plural}.{resource.Group}");
        }
        foreach (var verb in new[] { "create", "update", "delete" })
            Assert.True(Grants(role, KubeKeyMap.Group, "nodes", verb), $"l3net-node cannot {verb} its Node resource");
    }

    [Fact]
    public void The_CNI_role_can_assign_addresses_and_write_endpoints_and_nothing_more()
    {
        var role = Get("ClusterRole", "l3net-cni");
        foreach (var verb in new[] { "get", "list", "create", "update", "delete" })
        {
            Assert.True(Grants(role, KubeKeyMap.Group, KubeKeyMap.Records.Plural, verb), $"l3net-cni cannot {verb} IPAM records");
            Assert.True(Grants(role, KubeKeyMap.Group, "workloadendpoints", verb), $"l3net-cni cannot {verb} workload endpoints");
        }
        foreach (var read in new[] { "ippools", "ipreservations", "ipamconfigurations" })
            Assert.True(Grants(role, KubeKeyMap.Group, read, "list"), $"l3net-cni cannot list {read}: auto-assign reads them");
        Assert.True(Grants(role, "", "pods", "get"));
        Assert.False(Grants(role, "", "pods", "list"), "the plugin reads one pod, never the list");
        Assert.False(Grants(role, KubeKeyMap.Group, "ippools", "update"));
        Assert.DoesNotContain(role["rules"]!.AsArray().SelectMany(r => r!["verbs"]!.AsArray()), v => v!.GetValue<string>() == "watch");
    }

    [Fact]
    public void No_role_uses_wildcards_or_touches_secrets_cluster_wide()
    {
        foreach (var role in OfKind("ClusterRole").Concat(OfKind("Role")))
        {
            var text = role["rules"]!.ToJsonString();
            Assert.DoesNotContain("\"*\"", text);
            if (Str(role, "kind") == "ClusterRole")
                Assert.DoesNotContain("\"secrets\"", text);
        }
    }

    [Fact]
    public void The_daemon_runs_on_the_host_network_with_only_the_capabilities_it_needs_and_health_probes()
    {
        Assert.Equal("true", Str(PodSpec, "hostNetwork"));
        var node = Container("l3net-node");
        Assert.Equal(["ALL"], At(node, "securityContext.capabilities.drop")!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(Capabilities, At(node, "securityContext.capabilities.add")!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.NotEqual("true", Str(node, "securityContext.privileged"));
        Assert.Equal("false", Str(node, "securityContext.allowPrivilegeEscalation"));
        // CONTRACTS.md: l3net-node --health 127.0.0.1:9099 serves /healthz and /readyz.
        foreach (var (probe, path) in new[] { ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
        {
            Assert.Equal(path, Str(node, $"{probe}.httpGet.path"));
            Assert.Equal("9099", Str(node, $"{probe}.httpGet.port"));
            Assert.Equal("127.0.0.1", Str(node, $"{probe}.httpGet.host"));
        }
        Assert.Contains("--health 127.0.0.1:9099", ConfigData["start-node.sh"]!.GetValue<string>());
        Assert.Equal("true", Str(Container("host-sysctls"), "securityContext.privileged"));
        Assert.Null(At(Container("install-cni"), "securityContext.privileged"));
    }

    [Fact]
    public void Every_mount_names_a_volume_and_every_ConfigMap_or_Secret_reference_resolves()
    {
        var volumes = PodSpec["volumes"]!.AsArray().ToDictionary(v => Str(v, "name")!, v => v!);
        var containers = PodSpec["containers"]!.AsArray().Concat(PodSpec["initContainers"]!.AsArray()).ToList();
        foreach (var mount in containers.SelectMany(c => c!["volumeMounts"]?.AsArray() ?? []))
            Assert.True(volumes.ContainsKey(Str(mount, "name")!), $"mount {Str(mount, "name")} has no volume");
        foreach (var volume in volumes.Values)
        {
            if (volume["configMap"] is { } cm)
            {
                var data = (JsonObject)Get("ConfigMap", Str(cm, "name")!)["data"]!;
                foreach (var item in cm["items"]?.AsArray() ?? [])
                    Assert.True(data.ContainsKey(Str(item, "key")!), $"ConfigMap {Str(cm, "name")} has no key {Str(item, "key")}");
            }
            if (volume["secret"] is { } secret)
                Get("Secret", Str(secret, "secretName")!);
        }
        foreach (var env in containers.SelectMany(c => c!["env"]?.AsArray() ?? []).Where(e => At(e, "valueFrom.configMapKeyRef") is not null))
            Assert.True(((JsonObject)Get("ConfigMap", Str(env, "valueFrom.configMapKeyRef.name")!)["data"]!).ContainsKey(Str(env, "valueFrom.configMapKeyRef.key")!));
        // Scripts the containers run are ConfigMap items mounted where the command looks.
        foreach (var container in containers)
        {
            var script = container!["command"]?.AsArray().Select(c => c!.GetValue<string>()).FirstOrDefault(c => c.StartsWith("/l3net-config/", StringComparison.Ordinal));
            if (script is not null)
                Assert.Contains(volumes["l3net-config"]["configMap"]!["items"]!.AsArray(), i => "/l3net-config/" + Str(i, "path") == script);
        }
    }

    [Fact]
    public void Install_cni_writes_to_the_hosts_CNI_folders()
    {
        var volumes = PodSpec["volumes"]!.AsArray().ToDictionary(v => Str(v, "name")!, v => Str(v, "hostPath.path"));
        var mounts = Container("install-cni")["volumeMounts"]!.AsArray().ToDictionary(m => Str(m, "mountPath")!, m => volumes[Str(m, "name")!]);
        Assert.Equal("/opt/cni/bin", mounts["/host/opt/cni/bin"]);
        Assert.Equal("/etc/cni/net.d", mounts["/host/etc/cni/net.d"]);
        var script = ConfigData["install-cni.sh"]!.GetValue<string>();
        Assert.Contains("HOST_BIN=/host/opt/cni/bin", script);
        Assert.Contains("HOST_NET=/host/etc/cni/net.d", script);
        Assert.Contains("ln -sfn l3net \"$HOST_BIN/l3net-ipam\"", script);
        Assert.Contains(Container("install-cni")["volumeMounts"]!.AsArray(), m => Str(m, "mountPath") == "/var/run/secrets/l3net-cni");
        Assert.Contains("TOKEN_DIR=/var/run/secrets/l3net-cni", script);
    }

    [Fact]
    public void The_conflist_after_install_names_the_node_and_a_kubeconfig_the_client_can_load()
    {
        var script = ConfigData["install-cni.sh"]!.GetValue<string>();
        var conflist = ConfigData["cni_network_config"]!.GetValue<string>()
            .Replace("__NODENAME__", "node-1").Replace("__KUBECONFIG_FILEPATH__", "/etc/cni/net.d/l3net-kubeconfig");
        var plugin = JsonNode.Parse(conflist)!["plugins"]![0]!;
        Assert.Equal("l3net", Str(plugin, "type"));
        Assert.Equal("l3net-ipam", Str(plugin, "ipam.type"));
        Assert.Equal("node-1", Str(plugin, "nodename"));
        Assert.Equal("kubernetes:///etc/cni/net.d/l3net-kubeconfig", Str(plugin, "datastore"));
        Assert.Contains("KUBECONFIG_FILE=l3net-kubeconfig", script);

        // The kubeconfig the script's here-document produces, with the shell expansions done by hand.
        using var ca = new Kubernetes.TestCa("cluster-ca");
        var heredoc = Regex.Match(script, "<<KUBECONFIG\n(.*?)\nKUBECONFIG", RegexOptions.Singleline).Groups[1].Value;
        var kubeconfig = heredoc.Replace("${KUBERNETES_SERVICE_HOST}", "10.96.0.1").Replace("${KUBERNETES_SERVICE_PORT}", "443")
            .Replace("$(base64 -w0 < \"$TOKEN_DIR/ca.crt\")", Convert.ToBase64String(Encoding.UTF8.GetBytes(ca.Pem)))
            .Replace("$(cat \"$TOKEN_DIR/token\")", "cni-token");
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, kubeconfig);
            var config = KubeApi.LoadConfig(file);
            Assert.Equal(new Uri("https://10.96.0.1:443"), new Uri(config.Host));
            Assert.Equal("cni-token", config.AccessToken);
            Assert.Equal(ca.Certificate.Thumbprint, Assert.Single(config.SslCaCerts!).Thumbprint);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_image_build_publishes_the_binaries_the_scripts_run()
    {
        var root = Foundation.DependencyRulesTests.RepoRoot();
        var dockerfile = File.ReadAllText(Path.Combine(Dir, "Dockerfile"));
        foreach (var (project, binary) in new[] { ("src/Cni", "l3net"), ("src/Node", "l3net-node"), ("src/Cli", "l3netctl") })
        {
            Assert.Contains($"dotnet publish {project} ", dockerfile);
            var csproj = Directory.GetFiles(Path.Combine(root, project), "*.csproj").Single();
            Assert.Contains($"<AssemblyName>{binary}</AssemblyName>", File.ReadAllText(csproj));
        }
        foreach (var copied in Regex.Matches(dockerfile, @"^COPY (?!--from)(.+) \S+$", RegexOptions.Multiline).SelectMany(m => m.Groups[1].Value.Split(' ')))
            Assert.True(File.Exists(Path.Combine(root, copied)) || Directory.Exists(Path.Combine(root, copied)), $"Dockerfile copies {copied}, which is not in the repository");
        Assert.Contains("COPY --from=build /out/cni/l3net /opt/l3net/bin/l3net", dockerfile);
        Assert.Contains("install -m 0755 /opt/l3net/bin/l3net ", ConfigData["install-cni.sh"]!.GetValue<string>());
        Assert.Contains("COPY --from=build /out/node/ /opt/l3net/node/", dockerfile);
        Assert.Contains("exec /opt/l3net/node/l3net-node ", ConfigData["start-node.sh"]!.GetValue<string>());
        Assert.Contains("--self-contained", dockerfile);
    }

    [Fact]
    public void The_daemon_autodetects_its_address_by_a_method_that_parses_and_uses_an_env_var_defined_before_it()
    {
        var env = Container("l3net-node")["env"]!.AsArray().Select(e => (Name: Str(e, "name")!, Value: Str(e, "value"))).ToList();
        var method = env.Single(e => e.Name == "IP_AUTODETECTION_METHOD");
        Assert.Equal("can-reach=$(HOST_IP)", method.Value);
        // Kubernetes expands $(HOST_IP) only from variables listed earlier in the same container.
        Assert.True(env.FindIndex(e => e.Name == "HOST_IP") < env.IndexOf(method));
        var parsed = L3Net.Netlink.AutodetectionMethod.Parse(method.Value!.Replace("$(HOST_IP)", "10.0.1.2"), "IP_AUTODETECTION_METHOD");
        Assert.Equal("10.0.1.2", parsed.Destination);
        var script = ConfigData["start-node.sh"]!.GetValue<string>();
        Assert.Contains("${IPV4_ADDRESS:+--ipv4-address \"$IPV4_ADDRESS\"}", script);
        Assert.DoesNotContain("awk", script); // the address is found by the daemon's netlink code, not by parsing `ip`
    }
}
