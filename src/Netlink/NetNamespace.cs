using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace L3Net.Netlink;

/// <summary>
/// Work inside another network namespace. setns changes only the calling thread, so the body runs on a fresh OS
/// thread that enters the namespace and then ends: no pooled thread is ever left in a foreign namespace. The body
/// must be synchronous (an await would resume on some other thread, in the wrong namespace).
/// </summary>
public static class NetNamespace
{
    /// <summary>A descriptor for the namespace at <paramref name="netnsPath"/> (/var/run/netns/NAME, /proc/PID/ns/net).</summary>
    public static SafeFileHandle Open(string netnsPath)
    {
        try
        {
            return File.OpenHandle(netnsPath, FileMode.Open, FileAccess.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NetlinkException($"open network namespace {netnsPath}: {e.Message}", e);
        }
    }

    public static T Run<T>(string netnsPath, Func<T> body)
    {
        using var ns = Open(netnsPath);
        return Run(ns, netnsPath, body);
    }

    public static void Run(string netnsPath, Action body) => Run(netnsPath, () => { body(); return 0; });

    public static T Run<T>(SafeFileHandle ns, string description, Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                if (Native.SetNs((int)ns.DangerousGetHandle(), Native.CLONE_NEWNET) < 0)
                    throw new NetlinkException($"enter network namespace {description}", Marshal.GetLastPInvokeError());
                result = body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, maxStackSize: 256 * 1024) { IsBackground = true, Name = "netns" };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>A route socket bound to the namespace at <paramref name="netnsPath"/>, usable from any thread afterwards.</summary>
    public static RouteSocket OpenSocket(string netnsPath) => Run(netnsPath, () => new RouteSocket());
}
