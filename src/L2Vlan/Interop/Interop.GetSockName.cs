using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "getsockname", SetLastError = true)]
        internal static unsafe partial int GetSockName(SafeFileDescriptor socket, void* address, uint* addressLength);
    }
}
