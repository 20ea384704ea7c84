using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;
using L2Vlan.Domain;
using Microsoft.Win32.SafeHandles;

namespace L2Vlan.Driver;

/// <summary>
/// Reads the file -o parent_file names. The path comes from whoever may create a network, and the service
/// runs as root while holding the request lock: a FIFO would block it forever, /dev/zero would fill memory,
/// and a secret's text must never come back in an error. So only a small regular file is read.
/// </summary>
public static class ParentFile
{
    /// <summary>A parent file names one NIC, or a short TOML section; 64 KiB is far more than any real one
    /// needs.</summary>
    public const int MaxBytes = 64 * 1024;

    public static string Read(string path)
    {
        // Checked before opening so that opening has no side effect on a device (a tape rewinds, a tty becomes ours).
        CheckRegular(Stat(Interop.Libc.AT_FDCWD, path, 0), path);
        // O_NONBLOCK: should the path be swapped for a FIFO after the check, open still returns at once.
        var fd = Interop.Libc.Open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_NONBLOCK | Interop.Libc.O_NOCTTY
            | Interop.Libc.O_CLOEXEC);
        if (fd < 0) throw CannotRead(path, Marshal.GetLastPInvokeError());
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        // Checked again on what was opened: the path may have changed between the two looks.
        var opened = Stat(fd, "", Interop.Libc.AT_EMPTY_PATH);
        CheckRegular(opened, path);
        var buffer = new byte[MaxBytes + 1];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(length), length);
            if (read == 0) break;
            length += read;
        }
        if (length > MaxBytes)
        {
            throw new UserError($"-o {NetworkOptionsParser.ParentFileOption}={path}: the file is larger than " +
                $"{MaxBytes / 1024} KiB; expected a small text file naming the NIC (example: eno1)");
        }
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static Interop.Libc.StatX Stat(int dirfd, string path, int flags)
    {
        if (Interop.Libc.Statx(dirfd, path, flags, Interop.Libc.STATX_TYPE | Interop.Libc.STATX_SIZE,
            out var stat) != 0)
        {
            throw CannotRead(path, Marshal.GetLastPInvokeError());
        }
        return stat;
    }

    private static void CheckRegular(Interop.Libc.StatX stat, string path)
    {
        var type = stat.Mode & Interop.Libc.S_IFMT;
        if (type == Interop.Libc.S_IFREG) return;
        var what = type == Interop.Libc.S_IFDIR ? "a directory" : "not a regular file (a device, FIFO or socket)";
        throw new UserError($"-o {NetworkOptionsParser.ParentFileOption}={path}: the path is {what}; expected a " +
            $"small text file naming the NIC (example: eno1)");
    }

    private static UserError CannotRead(string path, int errno) =>
        new($"-o {NetworkOptionsParser.ParentFileOption}={path}: cannot read the file: " +
            $"{new Win32Exception(errno).Message}");
}
