using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int O_RDONLY = 0;
        internal const int O_CREAT = 0x40;
        internal const int O_DIRECTORY = 0x10000;
        internal const int O_CLOEXEC = 0x80000;

        [LibraryImport(Libraries.Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags);

        /// <summary>open(2) with O_CREAT: the mode a new file gets. open is variadic, and reads the mode only then.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags, uint mode);
    }
}
