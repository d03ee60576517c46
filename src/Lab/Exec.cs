using System.Diagnostics;

namespace L3Net.Lab;

public sealed record ExecResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;

    /// <summary>Throws <see cref="LabException"/> with both streams: what a reader of a failed lab step needs.</summary>
    public ExecResult EnsureOk(string what) => Ok ? this
        : throw new LabException($"{what} exited {ExitCode}: {(Stderr.Trim().Length > 0 ? Stderr.Trim() : Stdout.Trim())}");
}

/// <summary>A lab step that could not be done; the message says which and why.</summary>
public sealed class LabException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Runs programs with an argument list (never through a shell) and a deadline, optionally inside a
/// network namespace (<c>ip netns exec</c>).</summary>
public static class Exec
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task<ExecResult> RunAsync(string file, IEnumerable<string> args, string? stdin = null,
        IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        using var p = Process.Start(StartInfo(file, args, env)) ?? throw new LabException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        if (stdin is not null)
            await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            ct.ThrowIfCancellationRequested();
            throw new LabException($"{file} {string.Join(' ', args)} did not finish within {(timeout ?? DefaultTimeout).TotalSeconds} s");
        }
        return new ExecResult(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>All three streams redirected, arguments as a list (never a shell), extra environment on top.</summary>
    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
            psi.Environment[k] = v;
        return psi;
    }

    public static ExecResult Run(string file, params string[] args) => RunAsync(file, args).GetAwaiter().GetResult();

    public static Task<ExecResult> InNetnsAsync(string ns, string file, IEnumerable<string> args, string? stdin = null,
        IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null, CancellationToken ct = default)
        => RunAsync("ip", ["netns", "exec", ns, file, .. args], stdin, env, timeout, ct);

    /// <summary>
    /// Starts a daemon inside <paramref name="ns"/> that outlives this process (the lab runs after <c>lab up</c>
    /// returns): a new session, stdin from /dev/null, output appended to <paramref name="logFile"/>, and its pid
    /// written to <paramref name="pidFile"/> before it execs, so that restart and status find it. <c>lab down</c>
    /// needs no pid: it kills whatever lives in the lab's namespaces.
    /// </summary>
    public static void StartDaemon(string ns, string file, IEnumerable<string> args, string logFile, string pidFile)
    {
        const string launcher = "echo $$ >\"$L3NET_LAB_PIDFILE\"; exec \"$0\" \"$@\" </dev/null >>\"$L3NET_LAB_LOG\" 2>&1";
        File.Delete(pidFile);
        RunAsync("setsid", ["--fork", "env", $"L3NET_LAB_LOG={logFile}", $"L3NET_LAB_PIDFILE={pidFile}",
            "ip", "netns", "exec", ns, "sh", "-c", launcher, file, .. args]).GetAwaiter().GetResult()
            .EnsureOk($"starting {Path.GetFileName(file)} in {ns}");
    }

    /// <summary>The pid a daemon wrote at start, or null when it is not running any more.</summary>
    public static int? RunningPid(string pidFile)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
            return null;
        return Directory.Exists($"/proc/{pid}") ? pid : null;
    }
}
