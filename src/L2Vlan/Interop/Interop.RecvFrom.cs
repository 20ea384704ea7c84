using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>With this flag recvfrom returns the datagram's full length even when it did not fit.</summary>
        internal const int MSG_TRUNC = 0x20;
        /// <summary>Returns at once (EAGAIN) when nothing is queued.</summary>
        internal const int MSG_DONTWAIT = 0x40;

        [LibraryImport(Libraries.Libc, EntryPoint = "recvfrom", SetLastError = true)]
        internal static unsafe partial nint RecvFrom(SafeFileDescriptor socket, byte* buffer, nuint length, int flags,
            void* address, uint* addressLength);
    }
}
