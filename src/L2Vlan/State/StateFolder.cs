namespace L2Vlan.State;

/// <summary>
/// Whether a state folder can be read, for those who only read it (<c>l2vlan status</c>, <c>l2vlan doctor</c>): reading
/// skips what it cannot open, so an unreadable folder would look like an empty state.
/// </summary>
public static class StateFolder
{
    /// <summary>The folders a state holds: one JSON file per network, bridge and address pool.</summary>
    public static readonly string[] Kinds = ["networks", "bridges", "pools"];

    /// <summary>Why <paramref name="folder"/> cannot be read, or null when it can. A kind's folder not made yet is fine.</summary>
    public static string? Unreadable(string folder)
    {
        if (File.Exists(folder)) return "it is a file, not a folder";
        if (!Directory.Exists(folder)) return "it does not exist";
        foreach (var path in Kinds.Select(kind => Path.Combine(folder, kind)).Prepend(folder))
        {
            if (File.Exists(path)) return $"{path} is a file, not a folder";
            try
            {
                if (Directory.Exists(path)) _ = Directory.EnumerateFileSystemEntries(path).Count();
            }
            catch (UnauthorizedAccessException)
            {
                return path == folder ? "permission denied" : $"{path}: permission denied";
            }
            catch (IOException e)
            {
                return e.Message;
            }
        }
        return null;
    }
}
