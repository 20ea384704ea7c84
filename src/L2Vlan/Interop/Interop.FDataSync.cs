using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "fdatasync", SetLastError = true)]
        internal static partial int FDataSync(int fd);
    }
}
