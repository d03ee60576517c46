using System.Diagnostics;

namespace L3Net.Bench.Cni;

/// <summary>Namespaces named {prefix}-{name}, all deleted (with what runs in them) on dispose.</summary>
internal sealed class BenchNamespaces(string prefix) : IDisposable
{
    private readonly List<string> _names = [];

    public string Add(string name)
    {
        var ns = $"{prefix}-{name}";
        Ip("netns", "add", ns);
        _names.Add(ns);
        Ip("-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    public void Dispose()
    {
        foreach (var ns in _names)
            Run("ip", "netns", "delete", ns);
    }

    public static void Ip(params string[] args)
    {
        if (Run("ip", args) != 0)
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed");
    }

    private static int Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false })!;
        p.WaitForExit();
        return p.ExitCode;
    }
}
