using System.Text.Json.Nodes;

namespace L3Net.Lab;

/// <summary>A CNI error result (spec 1.1 "Error" object), e.g. code 11 "try again later".</summary>
public sealed class CniException(int code, string message, string details)
    : Exception($"CNI error {code}: {message}{(details.Length > 0 ? $" ({details})" : "")}")
{
    public int Code { get; } = code;
}

/// <summary>
/// Calls the <c>l3net</c> plugin exactly as a container runtime does: the network configuration list is written
/// to the node's directory, and each call gets the plugin's own configuration on stdin with <c>name</c> and
/// <c>cniVersion</c> injected from the list (as libcni does), the <c>CNI_*</c> variables in the environment, and
/// runs inside the node's namespace, where the host end of the pod's veth belongs.
/// </summary>
public sealed class CniPlugin(LabState state)
{
    public const string Binary = "l3net";
    public const string Version = "1.1.0";

    public static JsonObject Conflist(AddressPlan plan, LabNode node) => new()
    {
        ["cniVersion"] = Version,
        ["name"] = AddressPlan.NetworkName,
        ["plugins"] = new JsonArray(new JsonObject
        {
            ["type"] = Binary,
            ["datastore"] = plan.NodeDatastore,
            ["nodename"] = node.Name,
            ["mtu"] = 1500,
            ["log_file"] = node.CniLogFile,
            ["daemon_socket"] = node.CniSocket,
            ["ipam"] = new JsonObject
            {
                ["type"] = "l3net-ipam",
                ["ipv4_pools"] = new JsonArray(AddressPlan.PoolCidr),
                ["assign_ipv4"] = "true",
                ["assign_ipv6"] = "false",
            },
        }),
    };

    public static void WriteConflist(AddressPlan plan, LabNode node)
        => File.WriteAllText(node.ConflistFile, Conflist(plan, node).ToJsonString(new() { WriteIndented = true }));

    /// <summary>ADD; returns the pod's IPv4 address (without prefix length).</summary>
    public async Task<string> AddAsync(LabPod pod, CancellationToken ct)
    {
        var result = JsonNode.Parse(await CallAsync("ADD", pod, ct))
            ?? throw new LabException($"{pod.Name}: the CNI plugin printed no result");
        var address = result["ips"]?.AsArray()
            .Select(ip => ip?["address"]?.GetValue<string>())
            .FirstOrDefault(a => a is not null && !a.Contains(':'));
        return address?.Split('/')[0] ?? throw new LabException($"{pod.Name}: no IPv4 address in the CNI result {result.ToJsonString()}");
    }

    public Task DelAsync(LabPod pod, CancellationToken ct) => CallAsync("DEL", pod, ct);

    private async Task<string> CallAsync(string command, LabPod pod, CancellationToken ct)
    {
        var node = state.Node(pod.Node);
        var list = JsonNode.Parse(File.ReadAllText(node.ConflistFile))!.AsObject();
        var plugin = list["plugins"]!.AsArray()[0]!.DeepClone().AsObject();
        plugin["name"] = list["name"]!.DeepClone();
        plugin["cniVersion"] = list["cniVersion"]!.DeepClone();
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = pod.ContainerId,
            ["CNI_NETNS"] = Netns.Path(pod.Namespace),
            ["CNI_IFNAME"] = AddressPlan.PodInterface,
            ["CNI_PATH"] = Path.GetDirectoryName(state.CniBinary)!,
            ["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME={pod.Name};K8S_POD_INFRA_CONTAINER_ID={pod.ContainerId}",
        };
        var r = await Exec.InNetnsAsync(node.Namespace, state.CniBinary, [], plugin.ToJsonString(), env, TimeSpan.FromSeconds(60), ct);
        if (r.Ok)
            return r.Stdout;
        throw (Exception?)ParseError(r) ?? new LabException($"CNI {command} {pod.Name} exited {r.ExitCode}: {r.Stderr.Trim()}{r.Stdout.Trim()}");
    }

    /// <summary>The spec's error object from stdout, or null when the plugin printed something else.</summary>
    private static CniException? ParseError(ExecResult r)
    {
        try
        {
            var error = JsonNode.Parse(r.Stdout);
            return error?["code"] is { } code
                ? new CniException(code.GetValue<int>(), error["msg"]?.GetValue<string>() ?? "", error["details"]?.GetValue<string>() ?? "")
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
