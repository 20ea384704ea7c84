using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "sendto", SetLastError = true)]
        internal static unsafe partial nint SendTo(SafeFileDescriptor socket, byte* buffer, nuint length, int flags,
            void* address, uint addressLength);
    }
}
