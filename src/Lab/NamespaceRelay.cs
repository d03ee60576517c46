using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace L3Net.Lab;

/// <summary>
/// A TCP relay from a loopback port of the calling process's namespace to an address inside a lab namespace. The
/// lab's etcd listens on the fabric, which the root namespace cannot reach and must not be wired to; the lab
/// process (and the tests) still need to write resources there. A socket belongs to the namespace it was created
/// in, whatever thread uses it later, so each outgoing socket is created on a short-lived thread that entered the
/// lab namespace first. Nothing is configured anywhere: one listening socket on 127.0.0.1 while the relay lives.
/// </summary>
public sealed class NamespaceRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _netnsPath;
    private readonly IPEndPoint _target;
    private readonly Task _accepting;

    public NamespaceRelay(string ns, IPEndPoint target)
    {
        _netnsPath = Netns.Path(ns);
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The local port that leads to the target.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = PumpAsync(client);
        }
    }

    private async Task PumpAsync(Socket client)
    {
        using (client)
        {
            Socket upstream;
            try
            {
                upstream = ConnectInNamespace();
            }
            catch (Exception e) when (e is SocketException or LabException)
            {
                return; // the client sees the connection close, as it would with the server down
            }
            using (upstream)
            {
                using var a = new NetworkStream(client, ownsSocket: false);
                using var b = new NetworkStream(upstream, ownsSocket: false);
                using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var up = a.CopyToAsync(b, done.Token);
                var down = b.CopyToAsync(a, done.Token);
                try
                {
                    await Task.WhenAny(up, down);
                }
                finally
                {
                    await done.CancelAsync();
                }
            }
        }
    }

    private Socket ConnectInNamespace()
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(_netnsPath);
                if (setns((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new LabException($"setns {_netnsPath}: errno {Marshal.GetLastPInvokeError()}");
                socket = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                socket.Connect(_target);
            }
            catch (Exception e)
            {
                socket?.Dispose();
                socket = null;
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw (error is SocketException ? error : new LabException("relay connect failed", error));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    private const int CloneNewNet = 0x40000000;

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);
}
