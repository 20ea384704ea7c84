using L2Vlan.Faults;

namespace L2Vlan.State;

/// <summary>
/// Replaces a file so that, whenever the machine stops, the old or the new content is on disk:
/// write a temporary file beside it, fsync it, rename it over the target, fsync the folder. A write the disk refuses
/// (full, read-only) leaves the old file and no temporary one, and throws <see cref="StateDiskFullException"/>; a
/// folder fsync that fails is <see cref="StateDisk.SyncFailed"/>.
/// </summary>
public static class AtomicFile
{
    private const string TemporarySuffix = ".tmp";

    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var disk = StateDisk.Current;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}{TemporarySuffix}");
        try
        {
            disk.WriteSynced(temporary, content);
            KillPoints.Reach(KillPoints.StateWriteBeforeRename);
            disk.Rename(temporary, path);
        }
        catch (Exception e) when (StateDisk.IsRefusal(e))
        {
            // The temporary file's fsync failing is a refusal too: the file is dropped, and the target never saw it.
            try
            {
                disk.Delete(temporary);
            }
            catch (Exception cleanup) when (StateDisk.IsRefusal(cleanup))
            {
                // Deleted at the next start (DeleteAbandoned).
            }
            throw new StateDiskFullException(e);
        }
        SyncFolder(disk, folder);
        KillPoints.Reach(KillPoints.StateWriteAfterRename);
    }

    public static void Delete(string path)
    {
        if (!File.Exists(path)) return;
        var disk = StateDisk.Current;
        KillPoints.Reach(KillPoints.StateDeleteBefore);
        try
        {
            disk.Delete(path);
        }
        catch (Exception e) when (StateDisk.IsRefusal(e))
        {
            throw new StateDiskFullException(e);
        }
        SyncFolder(disk, Path.GetDirectoryName(Path.GetFullPath(path))!);
        KillPoints.Reach(KillPoints.StateDeleteAfter);
    }

    /// <summary>
    /// After a rename or delete that took effect in memory: a failed folder fsync cannot be undone or retried.
    /// </summary>
    internal static void SyncFolder(IStateDisk disk, string folder)
    {
        try
        {
            disk.SyncFolder(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StateDisk.SyncFailed("a state folder", e);
        }
    }

    /// <summary>
    /// Deletes the temporary files of writes killed before their rename: each is a copy of a change that never took
    /// effect, and nothing else removes them, so every kill in that window would leave one more for good. Only for
    /// the folder's one owner, before it writes (a live writer's file would be deleted under it).
    /// </summary>
    public static int DeleteAbandoned(string folder)
    {
        var abandoned = Directory.EnumerateFiles(folder, $".*{TemporarySuffix}").ToList();
        foreach (var path in abandoned) File.Delete(path);
        return abandoned.Count;
    }
}
