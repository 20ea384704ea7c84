using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AT_FDCWD = -100;
        internal const int AT_EMPTY_PATH = 0x1000;
        internal const int O_NONBLOCK = 0x800;
        internal const int O_NOCTTY = 0x100;
        internal const uint STATX_TYPE = 0x1;
        internal const uint STATX_SIZE = 0x200;
        internal const int S_IFMT = 0xF000;
        internal const int S_IFREG = 0x8000;
        internal const int S_IFDIR = 0x4000;

        /// <summary>
        /// The fields of linux/stat.h's struct statx that l2vlan reads. statx, unlike stat, has one layout on
        /// every architecture, so one declaration serves x86-64 and arm64; the tail pads it to the kernel's 256 bytes.
        /// </summary>
        [StructLayout(LayoutKind.Explicit, Size = 256)]
        internal struct StatX
        {
            [FieldOffset(28)] internal ushort Mode;
            [FieldOffset(40)] internal ulong Size;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "statx", SetLastError = true,
            StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Statx(int dirfd, string path, int flags, uint mask, out StatX buffer);
    }
}
