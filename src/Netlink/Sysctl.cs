namespace L3Net.Netlink;

/// <summary>
/// Kernel parameters under /proc/sys. Network ones belong to the namespace of the calling thread at open time, so
/// inside <see cref="NetNamespace.Run{T}"/> they act on that namespace.
/// </summary>
public static class Sysctl
{
    /// <summary>"net.ipv4.conf.cali1.proxy_arp" or "net/ipv4/conf/cali1/proxy_arp" (the slash form allows dots in names).</summary>
    public static string PathOf(string key) => "/proc/sys/" + (key.Contains('/') ? key.TrimStart('/') : key.Replace('.', '/'));

    public static void Write(string key, string value)
    {
        var path = PathOf(key);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
            RandomAccess.Write(handle, System.Text.Encoding.ASCII.GetBytes(value + "\n"), 0);
        }
        catch (IOException e)
        {
            throw new NetlinkException($"write sysctl {key}={value}: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new NetlinkException($"write sysctl {key}={value}: {e.Message}", e);
        }
    }

    public static string Read(string key) => File.ReadAllText(PathOf(key)).Trim();

    /// <summary>Interface sysctl in "/" form: safe for interface names that contain dots (eth0.100).</summary>
    public static string Interface(string family, string interfaceName, string setting) => $"net/{family}/conf/{interfaceName}/{setting}";
}
