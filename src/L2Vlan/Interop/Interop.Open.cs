using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int O_RDONLY = 0;
        internal const int O_CREAT = 0x40;
        internal const int O_CLOEXEC = 0x80000;

        /// <summary>O_DIRECTORY of the architecture the process runs on (see <see cref="DirectoryFlagOf"/>).</summary>
        internal static int O_DIRECTORY => DirectoryFlagOf(RuntimeInformation.ProcessArchitecture);

        /// <summary>
        /// O_DIRECTORY differs between architectures, as O_NOFOLLOW, O_DIRECT and O_LARGEFILE do: x86-64 keeps i386's
        /// values (O_DIRECTORY 0x10000), arm64 has asm-generic/fcntl.h's (O_DIRECTORY 0x4000), where 0x10000 is
        /// O_DIRECT. The other flags l2vlan passes are the same on both. Another architecture is refused rather than
        /// guessed.
        /// </summary>
        internal static int DirectoryFlagOf(Architecture architecture) => architecture switch
        {
            Architecture.X64 => 0x10000,
            Architecture.Arm64 => 0x4000,
            _ => throw new PlatformNotSupportedException($"l2vlan knows open(2)'s flags on x64 and arm64, not on " +
                $"{architecture}"),
        };

        [LibraryImport(Libraries.Libc, EntryPoint = "open", SetLastError = true,
            StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags);

        /// <summary>open(2) with O_CREAT: the mode a new file gets. open is variadic, and reads the mode only
        /// then.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "open", SetLastError = true,
            StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags, uint mode);
    }
}
