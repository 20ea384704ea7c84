using System.Runtime.InteropServices;

// Struct names mirror the C headers on purpose.
#pragma warning disable CS8981

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SOL_SOCKET = 1;
        internal const int SO_RCVTIMEO = 20;

        [StructLayout(LayoutKind.Sequential)]
        internal struct timeval
        {
            internal long tv_sec;
            internal long tv_usec;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "setsockopt", SetLastError = true)]
        internal static unsafe partial int SetSockOpt(SafeFileDescriptor socket, int level, int optionName,
            void* optionValue, uint optionLength);
    }
}
