using L2Vlan.Host;

namespace L2Vlan.State;

/// <summary>
/// Replaces a file so that, whenever the machine stops, the old or the new content is on disk:
/// write a temporary file beside it, fsync it, rename it over the target, fsync the folder.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        KillPoints.Reach(KillPoints.StateWriteBeforeRename);
        File.Move(temporary, path, overwrite: true);
        DirectorySync.Flush(folder);
        KillPoints.Reach(KillPoints.StateWriteAfterRename);
    }

    public static void Delete(string path)
    {
        if (!File.Exists(path)) return;
        KillPoints.Reach(KillPoints.StateDeleteBefore);
        File.Delete(path);
        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
        KillPoints.Reach(KillPoints.StateDeleteAfter);
    }
}
