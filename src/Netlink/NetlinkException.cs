using System.Runtime.InteropServices;

namespace L3Net.Netlink;

/// <summary>A kernel refusal: names what was attempted, the errno, and the kernel's extended-ack text when it sent one.</summary>
public sealed class NetlinkException : Exception
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EEXIST = 17, ENODEV = 19, EINVAL = 22, ENETUNREACH = 101, EADDRNOTAVAIL = 99, ENOBUFS = 105;

    public NetlinkException(string operation, int errno, string? kernelMessage = null)
        : base($"{operation}: {Describe(errno)} (errno {errno}){(string.IsNullOrEmpty(kernelMessage) ? "" : $": {kernelMessage}")}")
    {
        Operation = operation;
        Errno = errno;
        KernelMessage = kernelMessage;
    }

    public NetlinkException() : this("netlink", 0) { }

    public NetlinkException(string message) : this(message, 0) { }

    public NetlinkException(string message, Exception inner) : base(message, inner) => Operation = message;

    public string Operation { get; } = "";

    public int Errno { get; }

    public string? KernelMessage { get; }

    /// <summary>The object is not there: the kernel uses a different errno per object kind (link, route, address, neighbour).</summary>
    public bool IsNotFound => Errno is ENOENT or ESRCH or ENODEV or EADDRNOTAVAIL;

    public bool IsAlreadyExists => Errno == EEXIST;

    internal static NetlinkException FromErrno(string operation, int errno) => new(operation, errno);

    private static string Describe(int errno) => errno switch
    {
        EPERM => "operation not permitted",
        ENOENT => "no such file or directory",
        ESRCH => "no such process",
        EEXIST => "file exists",
        ENODEV => "no such device",
        EINVAL => "invalid argument",
        ENETUNREACH => "network is unreachable",
        EADDRNOTAVAIL => "cannot assign requested address",
        ENOBUFS => "no buffer space available",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };
}
