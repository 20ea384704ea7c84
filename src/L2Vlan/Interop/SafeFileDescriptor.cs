using System.Runtime.InteropServices;

/// <summary>Owns one Linux file descriptor (a socket or a namespace file) and closes it exactly once.</summary>
internal sealed class SafeFileDescriptor : SafeHandle
{
    public SafeFileDescriptor() : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    internal SafeFileDescriptor(int fd) : this() => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Interop.Libc.Close((int)handle) == 0;
}
