using System.Runtime.InteropServices;

namespace L2Vlan.Tests.Netlink;

/// <summary>The libc calls only the tests need: making and entering network namespaces.</summary>
internal static partial class NamespaceInterop
{
    internal const int CLONE_NEWNET = 0x40000000;

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    internal static partial int Unshare(int flags);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(SafeFileDescriptor fd, int namespaceType);
}
