using System.Security.Cryptography;
using System.Text;

namespace L3Net.Cni;

/// <summary>The host end of a pod's veth: "cali" + the first 11 hex digits of sha1(workload id), as Calico names it,
/// so the name is stable for the pod and fits the kernel's 15-character limit.</summary>
public static class HostInterfaceName
{
    public const string Prefix = "cali";

    public static string For(string workloadId)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        // SHA-1 names an interface here; it protects nothing, and the name must match what Calico tooling expects.
#pragma warning disable CA5350
        SHA1.HashData(Encoding.UTF8.GetBytes(workloadId), hash);
#pragma warning restore CA5350
        return Prefix + Convert.ToHexStringLower(hash)[..11];
    }
}
