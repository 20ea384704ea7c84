using System.Runtime.InteropServices;

namespace L2Vlan.State;

/// <summary>fsync of a folder, which makes a rename or delete in it durable. .NET has no API for it.</summary>
internal static class DirectorySync
{
    public static void Flush(string folder)
    {
        var fd = Interop.Libc.Open(folder, Interop.Libc.O_RDONLY | Interop.Libc.O_DIRECTORY | Interop.Libc.O_CLOEXEC);
        if (fd < 0)
            throw new IOException($"cannot open folder {folder} to sync it: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Interop.Libc.FSync(fd) != 0)
                throw new IOException($"cannot sync folder {folder}: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            Interop.Libc.Close(fd);
        }
    }
}
