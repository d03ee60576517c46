namespace L3Net.Cni;

/// <summary>The CNI_* variables of one invocation, validated for the command they serve.</summary>
public sealed record CniEnvironment(string Command, string ContainerId, string? Netns, string IfName,
    IReadOnlyDictionary<string, string> Args, string? Path)
{
    public string? PodNamespace => Args.GetValueOrDefault("K8S_POD_NAMESPACE");

    public string? PodName => Args.GetValueOrDefault("K8S_POD_NAME");

    /// <summary>What the workload is called for naming: "namespace.pod" for Kubernetes pods, else the container ID.</summary>
    public string WorkloadId => PodName is { Length: > 0 } pod ? $"{PodNamespace ?? "default"}.{pod}" : ContainerId;

    public static CniEnvironment Read(Func<string, string?> get)
    {
        var command = get("CNI_COMMAND");
        if (string.IsNullOrEmpty(command))
            throw Missing("CNI_COMMAND");
        command = command.ToUpperInvariant();
        // VERSION, STATUS and GC concern the plugin or the network as a whole, not one container.
        var perContainer = command is "ADD" or "DEL" or "CHECK";
        var containerId = get("CNI_CONTAINERID") ?? "";
        var netns = get("CNI_NETNS");
        var ifName = get("CNI_IFNAME") ?? "";
        if (perContainer && containerId.Length == 0)
            throw Missing("CNI_CONTAINERID");
        if (perContainer && ifName.Length == 0)
            throw Missing("CNI_IFNAME");
        // DEL must work after the namespace is gone, so only ADD and CHECK insist on it.
        if (command is "ADD" or "CHECK" && string.IsNullOrEmpty(netns))
            throw Missing("CNI_NETNS");
        if (ifName.Length > 15 || ifName.Contains('/'))
            throw new CniException(CniCodes.InvalidEnvironment, $"CNI_IFNAME '{ifName}' is not a valid interface name");
        return new CniEnvironment(command, containerId, string.IsNullOrEmpty(netns) ? null : netns, ifName,
            ParseArgs(get("CNI_ARGS")), get("CNI_PATH"));
    }

    /// <summary>CNI_ARGS: "K=V;K=V". A malformed pair is an invalid environment, not something to guess about.</summary>
    public static IReadOnlyDictionary<string, string> ParseArgs(string? args)
    {
        var result = new Dictionary<string, string>();
        foreach (var pair in (args ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0)
                throw new CniException(CniCodes.InvalidEnvironment, $"CNI_ARGS: '{pair}' is not KEY=VALUE");
            result[pair[..eq]] = pair[(eq + 1)..];
        }
        return result;
    }

    private static CniException Missing(string name) =>
        new(CniCodes.InvalidEnvironment, $"required environment variable {name} is not set");
}
