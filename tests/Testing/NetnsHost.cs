namespace L3Net.Testing;

/// <summary>One network namespace of a <see cref="TestNetwork"/>: run commands in it, start daemons in it.</summary>
public sealed class NetnsHost(string @namespace, string name)
{
    private readonly List<BackgroundProcess> _processes = [];

    /// <summary>The kernel name, as in <c>/var/run/netns/{Namespace}</c>.</summary>
    public string Namespace { get; } = @namespace;

    /// <summary>The short name the test gave it.</summary>
    public string Name { get; } = name;

    public string NetnsPath => $"/var/run/netns/{Namespace}";

    /// <summary>Runs a program inside the namespace and waits for it.</summary>
    public ProcessResult Exec(string file, params string[] args) => ExecWith(null, null, file, args);

    public ProcessResult ExecWith(string? stdin, IReadOnlyDictionary<string, string>? env, string file, params string[] args)
        => ProcessRunner.Run("ip", ["netns", "exec", Namespace, file, .. args], stdin, env);

    public Task<ProcessResult> ExecAsync(string? stdin, IReadOnlyDictionary<string, string>? env, string file, params string[] args)
        => ProcessRunner.RunAsync("ip", ["netns", "exec", Namespace, file, .. args], stdin, env);

    /// <summary><c>ip ARGS</c> inside the namespace; throws when it fails.</summary>
    public string Ip(params string[] args)
        => ProcessRunner.Run("ip", ["-n", Namespace, .. args]).EnsureOk($"ip -n {Namespace} {string.Join(' ', args)}").Stdout;

    public void Sysctl(string key, string value) => Exec("sysctl", "-qw", $"{key}={value}").EnsureOk($"sysctl {key}");

    /// <summary>Starts a daemon inside the namespace; it is killed when the network is disposed.</summary>
    public BackgroundProcess Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var p = new BackgroundProcess("ip", ["netns", "exec", Namespace, file, .. args], env);
        _processes.Add(p);
        return p;
    }

    /// <summary>A bounded ping: <paramref name="count"/> packets, 0.2 s apart, each waiting at most 1 s.</summary>
    public bool Ping(string address, int count = 2)
    {
        var family = address.Contains(':') ? "-6" : "-4";
        return Exec("ping", family, "-c", count.ToString(), "-i", "0.2", "-W", "1", "-w", (count + 2).ToString(), address).Ok;
    }

    internal void Destroy()
    {
        foreach (var p in _processes)
            p.Dispose();
        _processes.Clear();
        // Anything the test started by other means (podman conmon, bird forked) is killed through the namespace.
        var pids = ProcessRunner.Run("ip", ["netns", "pids", Namespace]).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var pid in pids)
            ProcessRunner.Run("kill", ["-9", pid]);
        ProcessRunner.Run("ip", ["netns", "delete", Namespace]);
    }
}
