internal static partial class Interop
{
    /// <summary>asm-generic/errno.h, only the values rtnetlink and sockets commonly return.</summary>
    internal static class Errno
    {
        internal const int EINTR = 4;
        internal const int EAGAIN = 11;
        internal const int ENODEV = 19;
        internal const int EEXIST = 17;
        internal const int ENOBUFS = 105;
        internal const int EOPNOTSUPP = 95;
        internal const int EAFNOSUPPORT = 97;

        internal static string? Name(int errno) => errno switch
        {
            1 => "EPERM",
            2 => "ENOENT",
            4 => "EINTR",
            9 => "EBADF",
            11 => "EAGAIN",
            12 => "ENOMEM",
            13 => "EACCES",
            16 => "EBUSY",
            17 => "EEXIST",
            19 => "ENODEV",
            22 => "EINVAL",
            24 => "EMFILE",
            34 => "ERANGE",
            75 => "EOVERFLOW",
            90 => "EMSGSIZE",
            93 => "EPROTONOSUPPORT",
            95 => "EOPNOTSUPP",
            97 => "EAFNOSUPPORT",
            98 => "EADDRINUSE",
            99 => "EADDRNOTAVAIL",
            100 => "ENETDOWN",
            105 => "ENOBUFS",
            110 => "ETIMEDOUT",
            _ => null,
        };
    }
}
