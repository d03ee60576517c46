using System.Diagnostics;

namespace L3Net.Bench.Cni;

/// <summary>
/// A real <c>l3net-node</c> in the bench's node namespace serving CNI invocations on a unix socket (<c>--cni-socket</c>),
/// the way a deployed node runs it; killed (with everything it started) on dispose.
/// </summary>
internal sealed class BenchDaemon : IDisposable
{
    private readonly Process _process;
    private readonly string _log;

    private BenchDaemon(Process process, string socket, string log) => (_process, Socket, _log) = (process, socket, log);

    public string Socket { get; }

    /// <param name="datastore">The daemon's own datastore (its Node, the watch); the CNI configuration names the one
    /// the plugin's invocations use, which the daemon opens for them.</param>
    public static async Task<BenchDaemon> StartAsync(string binary, string node, string work, string datastore)
    {
        var socket = Path.Combine(work, "cni.sock");
        var log = Path.Combine(work, "l3net-node.log");
        BenchNamespaces.Ip("-n", node, "addr", "add", "10.212.0.1/24", "dev", "uplink0");
        var psi = new ProcessStartInfo("nsenter", [$"--net=/var/run/netns/{node}", binary, "--node", "bench", "--datastore", datastore,
            "--ipv4-address", "10.212.0.1/24", "--status-socket", Path.Combine(work, "node.sock"), "--health", "127.0.0.1:9099",
            "--cni-socket", socket])
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        var process = Process.Start(psi)!;
        var output = File.CreateText(log);
        process.OutputDataReceived += (_, e) => { lock (output) output.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var daemon = new BenchDaemon(process, socket, log);
        // The socket appears once the server listens (bind, chmod, listen); bounded, it is a bench.
        for (var i = 0; i < 300 && !File.Exists(socket); i++)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"l3net-node exited {process.ExitCode}, see {log}");
            await Task.Delay(100);
        }
        if (!File.Exists(socket))
        {
            daemon.Dispose();
            throw new InvalidOperationException($"l3net-node did not listen on {socket} within 30 s");
        }
        return daemon;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        Console.Error.WriteLine($"l3net-node log: {_log} (removed with the work directory)");
    }
}
