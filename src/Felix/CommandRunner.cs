using System.Diagnostics;

namespace L3Net.Felix;

/// <summary>A dataplane tool (iptables-restore, ipset) failed; the message carries its stderr and exit code.</summary>
public sealed class DataplaneCommandException(string message) : Exception(message);

/// <summary>
/// Runs the dataplane tools. The daemon runs inside its node's namespace and uses no prefix; tests and the benchmark
/// pass <c>ip netns exec NAME</c> so that the tools act on a namespace they created, never on the root namespace.
/// </summary>
public sealed class CommandRunner(IReadOnlyList<string>? prefix = null)
{
    private readonly IReadOnlyList<string> _prefix = prefix ?? [];

    public static CommandRunner InNamespace(string netnsName) => new(["ip", "netns", "exec", netnsName]);

    public async Task<string> RunAsync(string file, IReadOnlyList<string> args, string? stdin = null, CancellationToken ct = default)
    {
        var argv = _prefix.Concat([file]).Concat(args).ToList();
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in argv.Skip(1))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new DataplaneCommandException($"could not start {file}");
        // Process.Dispose leaves the redirected streams open (they may be referenced elsewhere): closed here, or every
        // run would hold two pipe ends until the finalizer got to them, a descriptor leak at the pace of the cluster's churn.
        using var output = p.StandardOutput;
        using var errors = p.StandardError;
        var stdout = output.ReadToEndAsync(ct);
        var stderr = errors.ReadToEndAsync(ct);
        using (var input = p.StandardInput)
        {
            if (stdin is not null)
                await input.WriteAsync(stdin.AsMemory(), ct);
        }
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
            throw new DataplaneCommandException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {(await stderr).Trim()}"
                                                + (stdin is null ? "" : $"\ninput:\n{stdin}"));
        return await stdout;
    }
}
