using L2Vlan.Host;

namespace L2Vlan.State;

/// <summary>
/// Replaces a file so that, whenever the machine stops, the old or the new content is on disk:
/// write a temporary file beside it, fsync it, rename it over the target, fsync the folder.
/// </summary>
public static class AtomicFile
{
    private const string TemporarySuffix = ".tmp";

    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}{TemporarySuffix}");
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
