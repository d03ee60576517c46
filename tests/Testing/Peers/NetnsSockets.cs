using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace L3Net.Testing.Peers;

/// <summary>
/// Creates sockets inside a test network namespace from the test process: a socket belongs to the namespace of the
/// thread that created it, so each socket is made on a short-lived thread that first entered the namespace with
/// setns. Lets an in-process BGP speaker listen and connect inside a namespace without touching the root one.
/// </summary>
public static class NetnsSockets
{
    private const int CloneNewNet = 0x40000000;

    public static Func<AddressFamily, Socket> Factory(NetnsHost host)
        => family => RunIn(host.NetnsPath, () => new Socket(family, SocketType.Stream, ProtocolType.Tcp));

    public static T RunIn<T>(string netnsPath, Func<T> body)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(netnsPath);
                if (setns(ns.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                    throw new InvalidOperationException($"setns({netnsPath}) failed: errno {Marshal.GetLastPInvokeError()}");
                result = body();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
            throw error;
        return result!;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);
}
