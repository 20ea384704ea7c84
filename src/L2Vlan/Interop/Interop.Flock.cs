using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int LOCK_EX = 2;
        internal const int LOCK_NB = 4;

        [LibraryImport(Libraries.Libc, EntryPoint = "flock", SetLastError = true)]
        internal static partial int Flock(SafeFileDescriptor fd, int operation);
    }
}
