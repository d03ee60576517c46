using System.Diagnostics;
using System.Text;

namespace L3Net.Testing;

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;

    /// <summary>Throws with both streams when the process failed: the message is what a reader of a failed test needs.</summary>
    public ProcessResult EnsureOk(string what)
    {
        if (!Ok)
            throw new InvalidOperationException($"{what} exited {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}");
        return this;
    }
}

/// <summary>Runs programs with an argument list (never through a shell) and a deadline.</summary>
public static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static string? FindOnPath(string name)
    {
        if (Path.IsPathRooted(name))
            return File.Exists(name) ? name : null;
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Concat(["/usr/sbin", "/sbin", "/usr/lib/frr"]);
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    /// <summary>The lab's runner (<see cref="L3Net.Lab.Exec"/>), with the tests' longer default deadline.</summary>
    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, string? stdin = null,
        IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var r = await L3Net.Lab.Exec.RunAsync(file, args, stdin, env, timeout ?? DefaultTimeout);
        return new ProcessResult(r.ExitCode, r.Stdout, r.Stderr);
    }

    public static ProcessResult Run(string file, IEnumerable<string> args, string? stdin = null,
        IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
        => RunAsync(file, args, stdin, env, timeout).GetAwaiter().GetResult();
}

/// <summary>A long-running process (a daemon under test). Its output is kept for failure messages; disposing kills it
/// and everything it started.</summary>
public sealed class BackgroundProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public BackgroundProcess(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        _process = Process.Start(L3Net.Lab.Exec.StartInfo(file, args, env))
            ?? throw new InvalidOperationException($"could not start {file}");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private bool _disposed;

    public int Pid => _process.Id;
    public bool HasExited => _disposed || _process.HasExited;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>SIGKILL, as a crash would: no clean shutdown, no goodbye to peers.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
    }

    public void Dispose()
    {
        if (_disposed) return;
        try { KillHard(); } catch (InvalidOperationException) { }
        _process.Dispose();
        _disposed = true;
    }
}
