using L2Vlan.Metrics;
using Microsoft.Win32.SafeHandles;

namespace L2Vlan.State;

/// <summary>
/// The state disk with the writes that wait for the device (file and folder syncs, and the writes and renames
/// around them) timed as <see cref="CallPhase.StateWrite"/> of the call that makes them.
/// </summary>
public sealed class TimedStateDisk(IStateDisk disk) : IStateDisk
{
    public void WriteSynced(string path, ReadOnlySpan<byte> content)
    {
        using var timed = CallClock.Time(CallPhase.StateWrite);
        disk.WriteSynced(path, content);
    }

    public void Rename(string from, string to)
    {
        using var timed = CallClock.Time(CallPhase.StateWrite);
        disk.Rename(from, to);
    }

    public void Delete(string path)
    {
        using var timed = CallClock.Time(CallPhase.StateWrite);
        disk.Delete(path);
    }

    public void SyncFolder(string folder)
    {
        using var timed = CallClock.Time(CallPhase.StateWrite);
        disk.SyncFolder(folder);
    }

    public SafeFileHandle Open(string path, FileMode mode) => disk.Open(path, mode);

    public void Write(SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset)
    {
        using var timed = CallClock.Time(CallPhase.StateWrite);
        disk.Write(file, bytes, offset);
    }

    public void SetLength(SafeFileHandle file, long length) => disk.SetLength(file, length);

    public void DataSync(SafeFileHandle file)
    {
        using var timed = CallClock.Time(CallPhase.StateWrite);
        disk.DataSync(file);
    }
}
