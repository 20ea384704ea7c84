using System.Runtime.InteropServices;

namespace L2Vlan.Netlink;

/// <summary>The kernel refused a netlink request.</summary>
public sealed class NetlinkException : Exception
{
    internal NetlinkException(string request, int errno, string? kernelMessage)
        : base(FormatMessage(request, errno, kernelMessage))
    {
        Request = request;
        Errno = errno;
        KernelMessage = kernelMessage;
    }

    /// <summary>The request that failed, e.g. "RTM_NEWLINK".</summary>
    public string Request { get; }

    /// <summary>The positive errno the kernel answered with.</summary>
    public int Errno { get; }

    /// <summary>The kernel's extended-ack explanation, when it gave one.</summary>
    public string? KernelMessage { get; }

    private static string FormatMessage(string request, int errno, string? kernelMessage)
    {
        string text = $"netlink {request} failed: {DescribeErrno(errno)}";
        return string.IsNullOrEmpty(kernelMessage) ? text : $"{text}: {kernelMessage}";
    }

    /// <summary>"File exists (EEXIST, errno 17)".</summary>
    internal static string DescribeErrno(int errno)
    {
        string? name = Interop.Errno.Name(errno);
        string description = Marshal.GetPInvokeErrorMessage(errno);
        return name is null ? $"{description} (errno {errno})" : $"{description} ({name}, errno {errno})";
    }
}
