using System.Runtime.InteropServices;

namespace L2Vlan.Netlink;

/// <summary>A socket or namespace system call failed (as opposed to the kernel refusing a netlink request).</summary>
public sealed class SystemCallException : IOException
{
    internal SystemCallException(string call, int errno)
        : base($"{call} failed: {NetlinkException.DescribeErrno(errno)}")
    {
        Errno = errno;
    }

    public int Errno { get; }

    /// <summary>Builds the exception from the errno the last P/Invoke left behind.</summary>
    internal static SystemCallException FromLastError(string call) => new(call, Marshal.GetLastPInvokeError());
}
