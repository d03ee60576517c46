namespace L3Net.Cni;

/// <summary>An error the plugin reports with the spec's error JSON: <see cref="Code"/> is the CNI error code.</summary>
public sealed class CniException(int code, string message, string? details = null, Exception? inner = null) : Exception(message, inner)
{
    public int Code { get; } = code;

    public string? Details { get; } = details;
}

/// <summary>Error codes: 1-99 are the spec's (CNI 1.1.0, "Error"), 100+ are l3net's own.</summary>
public static class CniCodes
{
    public const int IncompatibleVersion = 1;
    public const int UnsupportedField = 2;
    public const int UnknownContainer = 3;
    public const int InvalidEnvironment = 4;
    public const int IoFailure = 5;
    public const int DecodeFailure = 6;
    public const int InvalidConfig = 7;
    public const int TryAgainLater = 11;
    public const int NotAvailable = 50;

    /// <summary>No address could be assigned (pool exhausted, no suitable pool, static address taken).</summary>
    public const int IpamFailure = 100;

    /// <summary>The kernel refused a change to the pod's interfaces or routes.</summary>
    public const int DataplaneFailure = 101;

    /// <summary>CHECK found the pod's network not as ADD left it.</summary>
    public const int CheckFailed = 102;
}
