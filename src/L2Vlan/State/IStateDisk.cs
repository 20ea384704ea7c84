using Microsoft.Win32.SafeHandles;

namespace L2Vlan.State;

/// <summary>
/// Every change l2vlan makes to its state folder, as the system calls that make it: written, synced, renamed,
/// deleted. One seam, so that tests can make the disk refuse (full, read-only) or drop what was never synced (a
/// power loss); the service always uses <see cref="SystemStateDisk"/>.
/// </summary>
public interface IStateDisk
{
    /// <summary>Creates or empties the file, writes <paramref name="content"/> and fsyncs it.</summary>
    void WriteSynced(string path, ReadOnlySpan<byte> content);

    void Rename(string from, string to);

    /// <summary>Deletes the file; one already gone is not an error.</summary>
    void Delete(string path);

    /// <summary>fsync of a folder: makes the renames, creates and deletes in it durable.</summary>
    void SyncFolder(string folder);

    SafeFileHandle Open(string path, FileMode mode);

    void Write(SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset);

    void SetLength(SafeFileHandle file, long length);

    /// <summary>fdatasync: the data and the file's length.</summary>
    void DataSync(SafeFileHandle file);
}
