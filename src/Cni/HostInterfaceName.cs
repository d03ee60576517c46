using System.Text;

namespace L3Net.Cni;

/// <summary>The host end of a pod's veth: "cali" + the first 11 hex digits of sha1(workload id), as Calico names it,
/// so the name is stable for the pod and fits the kernel's 15-character limit.</summary>
public static class HostInterfaceName
{
    public const string Prefix = "cali";

    public static string For(string workloadId)
    {
        Span<byte> hash = stackalloc byte[Sha1.HashSizeInBytes];
        Sha1.HashData(Encoding.UTF8.GetBytes(workloadId), hash);
        return Prefix + Convert.ToHexStringLower(hash)[..11];
    }
}
