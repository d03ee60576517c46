using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using L3Net.Lab;

namespace L3Net.Bench;

/// <summary>What every whole-lab benchmark (chaos, failover) needs: its command-line options, the repository's
/// published binaries, the machine load, a token that SIGINT/SIGTERM/SIGHUP cancel (so the lab goes on every exit
/// but SIGKILL), and the removal of labs a SIGKILLed run left.</summary>
internal static class LabBench
{
    public static string Load() => File.ReadAllText("/proc/loadavg").Trim();

    public static T Option<T>(string[] args, string name, T fallback)
    {
        var i = Array.IndexOf(args, name);
        return i < 0 || i + 1 >= args.Length ? fallback : (T)Convert.ChangeType(args[i + 1], typeof(T), CultureInfo.InvariantCulture);
    }

    public static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "L3Net.sln")))
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        return dir;
    }

    /// <summary><c>--bin-dir DIR</c> (default artifacts/bin), or <c>--node-binary</c> and <c>--cni-binary</c> one by one.</summary>
    public static (string Node, string Cni) Binaries(string[] args)
    {
        var binDir = Option(args, "--bin-dir", Path.Combine(RepoRoot(), "artifacts", "bin"));
        return (Option(args, "--node-binary", Path.Combine(binDir, NodeDaemon.Binary)), Option(args, "--cni-binary", Path.Combine(binDir, CniPlugin.Binary)));
    }

    /// <summary>Cancels <paramref name="interrupted"/> on SIGINT, SIGTERM or SIGHUP instead of ending the process.</summary>
    public static IDisposable CancelOnSignals(CancellationTokenSource interrupted)
    {
        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            Console.WriteLine($"{context.Signal}: stopping, removing the lab");
            interrupted.Cancel();
        }
        return new Registrations([.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, Cancel))]);
    }

    private sealed class Registrations(PosixSignalRegistration[] all) : IDisposable
    {
        public void Dispose()
        {
            foreach (var r in all)
                r.Dispose();
        }
    }

    /// <summary>Labs named <c>{prefix}{pid}…</c> whose process is gone.</summary>
    public static async Task RemoveStaleAsync(string prefix)
    {
        var stale = new Regex($@"^{Regex.Escape(prefix)}(\d+)");
        var names = Netns.List(prefix).Select(ns => ns.Split('-')[0])
            .Concat(Directory.Exists(LabOptions.DefaultStateRoot) ? Directory.GetDirectories(LabOptions.DefaultStateRoot).Select(Path.GetFileName).OfType<string>() : [])
            .Distinct();
        foreach (var name in names)
        {
            if (stale.Match(name) is { Success: true } m && !Directory.Exists($"/proc/{m.Groups[1].Value}"))
            {
                Console.WriteLine($"removing the stale lab {name}");
                await LabCleanup.DownAsync(name);
            }
        }
    }
}
