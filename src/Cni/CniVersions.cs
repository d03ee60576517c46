namespace L3Net.Cni;

/// <summary>The spec versions the plugin speaks; results are written in the version the config declares.</summary>
public static class CniVersions
{
    public const string Latest = "1.1.0";

    public static readonly IReadOnlyList<string> Supported = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    public static void Require(string? version)
    {
        if (string.IsNullOrEmpty(version))
            throw new CniException(CniCodes.InvalidConfig, "network configuration has no cniVersion");
        if (!Supported.Contains(version))
            throw new CniException(CniCodes.IncompatibleVersion, $"incompatible CNI version {version}",
                $"supported versions: {string.Join(", ", Supported)}");
    }

    /// <summary>Before 1.0.0 every IP entry carried "version": "4"|"6".</summary>
    public static bool IpsCarryVersion(string version) => version.StartsWith("0.", StringComparison.Ordinal);

    /// <summary>CHECK arrived in 0.4.0; STATUS and GC in 1.1.0.</summary>
    public static bool AtLeast(string version, string minimum) =>
        Version.Parse(version).CompareTo(Version.Parse(minimum)) >= 0;
}
