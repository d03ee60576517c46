using System.Text.RegularExpressions;

namespace L3Net.Lab;

/// <summary>Removes labs: one by name (<c>lab down</c>, and <c>lab up</c> before it builds), and the leftovers of
/// test runs that were killed (their lab names carry the test process's pid).</summary>
public static partial class LabCleanup
{
    /// <summary>Kills every process in the lab's namespaces, deletes the namespaces and the lab directory.
    /// Works from the names alone, so it also clears a lab whose state file is gone or half written.</summary>
    public static async Task DownAsync(string name, string stateRoot = LabOptions.DefaultStateRoot)
    {
        // Pods first, nodes next, the routers last: a daemon never outlives what it serves by more than a moment.
        var namespaces = Netns.List($"{name}-").OrderBy(ns => ns.Contains("-p", StringComparison.Ordinal) ? 0 : ns.Contains("-node", StringComparison.Ordinal) ? 1 : 2);
        foreach (var ns in namespaces)
            await Netns.DestroyAsync(ns);
        var dir = Path.Combine(stateRoot, name);
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
    }

    /// <summary>A lab name for a test run: unique per process and call, recognisably stale once the process is gone.</summary>
    public static string TestLabName(int sequence) => $"{LabOptions.DefaultName}{Environment.ProcessId}x{sequence}";

    /// <summary>Removes every test lab whose process no longer exists.</summary>
    public static async Task RemoveStaleTestLabsAsync(string stateRoot = LabOptions.DefaultStateRoot)
    {
        var names = Netns.List(LabOptions.DefaultName).Select(ns => ns.Split('-')[0])
            .Concat(Directory.Exists(stateRoot) ? Directory.GetDirectories(stateRoot).Select(Path.GetFileName).OfType<string>() : [])
            .Distinct();
        foreach (var name in names)
        {
            var m = TestName().Match(name);
            if (m.Success && !Directory.Exists($"/proc/{m.Groups["pid"].Value}"))
                await DownAsync(name, stateRoot);
        }
    }

    [GeneratedRegex(@"^l3lab(?<pid>\d+)x\d+$")]
    private static partial Regex TestName();
}
