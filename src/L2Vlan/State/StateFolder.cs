using Microsoft.Extensions.Logging;

namespace L2Vlan.State;

/// <summary>
/// The state folder's layout, the one place it is spelled out: a folder per kind of record (networks/, bridges/,
/// pools/), one JSON file per record in it, each read and written through its kind's JSON context. The service, the
/// commands that read the state and the tests all open the records through here. <see cref="Unreadable"/> tells
/// whether a folder can be read at all, for those who only read it (<c>l2vlan status</c>, <c>l2vlan doctor</c>):
/// reading skips what it cannot open, so an unreadable folder would look like an empty state.
/// </summary>
public sealed class StateFolder(string root)
{
    public const string NetworksFolder = "networks";
    public const string BridgesFolder = "bridges";
    public const string PoolsFolder = "pools";

    /// <summary>The folders a state holds: one JSON file per network, bridge and address pool.</summary>
    public static readonly string[] Kinds = [NetworksFolder, BridgesFolder, PoolsFolder];

    /// <summary>The state directory itself (the service's --state-dir).</summary>
    public string Root { get; } = root;

    public string Networks => Path.Combine(Root, NetworksFolder);
    public string Bridges => Path.Combine(Root, BridgesFolder);
    /// <summary>The pools' snapshots and journals.</summary>
    public string Pools => Path.Combine(Root, PoolsFolder);

    public JsonFileCollection<NetworkRecord> NetworkFiles(ILogger logger) =>
        new(Networks, StateJsonContext.Default.NetworkRecord, logger);

    public JsonFileCollection<BridgeRecord> BridgeFiles(ILogger logger) =>
        new(Bridges, StateJsonContext.Default.BridgeRecord, logger);

    public JsonFileCollection<AddressPool> PoolFiles(ILogger logger) =>
        new(Pools, StateJsonContext.Default.AddressPool, logger);

    /// <summary>Why <paramref name="folder"/> cannot be read, or null when it can. A kind's folder not made yet is
    /// fine.</summary>
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
