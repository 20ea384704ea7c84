using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace L2Vlan.State;

/// <summary>The state folder on the real file system.</summary>
public sealed class SystemStateDisk : IStateDisk
{
    public void WriteSynced(string path, ReadOnlySpan<byte> content)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    public void Rename(string from, string to) => File.Move(from, to, overwrite: true);

    public void Delete(string path) => File.Delete(path);

    public void SyncFolder(string folder) => DirectorySync.Flush(folder);

    public SafeFileHandle Open(string path, FileMode mode) => File.OpenHandle(path, mode, FileAccess.ReadWrite);

    public void Write(SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset) =>
        RandomAccess.Write(file, bytes, offset);

    public void SetLength(SafeFileHandle file, long length) => RandomAccess.SetLength(file, length);

    public void DataSync(SafeFileHandle file)
    {
        if (Interop.Libc.FDataSync((int)file.DangerousGetHandle()) != 0)
            throw new IOException($"cannot sync a journal: errno {Marshal.GetLastPInvokeError()}");
    }
}
