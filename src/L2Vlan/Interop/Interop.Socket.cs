using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AF_NETLINK = 16;
        internal const int AF_PACKET = 17;
        internal const int SOCK_RAW = 3;
        internal const int SOCK_CLOEXEC = 0x80000;

        [LibraryImport(Libraries.Libc, EntryPoint = "socket", SetLastError = true)]
        internal static partial int Socket(int domain, int type, int protocol);
    }
}
