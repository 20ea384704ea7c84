using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Host;

/// <summary>
/// <c>l2vlan compact</c>: the state folder in the form every release reads, each pool's journal written into its
/// snapshot and deleted (<see cref="PoolStore.FoldJournals"/>). Releases before the journal read the snapshots only;
/// the package runs this before a downgrade, with the service stopped. The state directory's lock is held meanwhile,
/// so it refuses while a service runs on the folder.
/// </summary>
public static class StateCompaction
{
    /// <summary>The pools written; none when the folder does not exist.</summary>
    /// <exception cref="ServiceLockException">A service holds the state directory.</exception>
    public static IReadOnlyList<AddressPool> Run(string stateDirectory, ILogger logger)
    {
        if (!Directory.Exists(stateDirectory)) return [];
        using var held = ServiceLock.TakeStateDirectory(stateDirectory);
        var snapshots = new StateFolder(stateDirectory).PoolFiles(logger);
        // Nothing is appended, so no sync can fail.
        return new PoolStore(snapshots, new GroupCommit(_ => { }), logger).FoldJournals();
    }
}
