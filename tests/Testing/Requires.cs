using Xunit;

namespace L3Net.Testing;

/// <summary>
/// Guards for tests that need root, network namespaces or a Debian package. On a developer's laptop a missing
/// capability skips the test with the reason; under <c>CI=true</c> it fails the test, because a CI run that
/// silently skipped the network tests has proved nothing.
/// </summary>
public static class Requires
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Root is needed for namespaces, veths, routes and iptables.</summary>
    public static void Root()
    {
        if (Environment.UserName != "root" && geteuid() != 0)
            Missing("needs root (network namespaces, veth pairs, routes)");
    }

    /// <summary>A program on PATH (or an absolute path), e.g. <c>bird</c>, <c>etcd</c>, <c>podman</c>.</summary>
    public static void Command(string name)
    {
        if (ProcessRunner.FindOnPath(name) is null)
            Missing($"needs '{name}' (install it with ./l3net.sh deps)");
    }

    /// <summary>Root plus the <c>ip</c> tool with namespace support: the minimum of every e2e test.</summary>
    public static void Netns()
    {
        Root();
        Command("ip");
    }

    private static void Missing(string reason) => Missing(reason, InCi);

    internal static void Missing(string reason, bool inCi)
    {
        if (inCi)
            Assert.Fail($"CI=true but this test cannot run: {reason}. CI must run every test.");
        Assert.Skip(reason);
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}
