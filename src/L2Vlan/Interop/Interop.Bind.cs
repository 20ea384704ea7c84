using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "bind", SetLastError = true)]
        internal static unsafe partial int Bind(SafeFileDescriptor socket, void* address, uint addressLength);
    }
}
