namespace L2Vlan.State;

/// <summary>
/// The bridges l2vlan networks use, in memory and on disk (bridges/&lt;Name&gt;.json), as
/// <see cref="NetworkRegistry"/> keeps the networks. What a network may claim is the driver's to decide
/// (Driver/BridgeRegistry); this keeps the records, one per bridge and one bridge per VLAN sub-interface. Safe for
/// concurrent use: a short lock guards the map only, and every list it gives is a copy. A bridge's record and links
/// are changed only under that bridge's lock, <see cref="LockBridge"/>.
/// </summary>
public sealed class BridgeRecords(JsonFileCollection<BridgeRecord> store)
{
    private readonly Dictionary<string, BridgeRecord> _bridges = new(StringComparer.Ordinal);
    private readonly Lock _map = new();
    private readonly KeyedLocks _locks = new();

    public IReadOnlyCollection<BridgeRecord> All
    {
        get
        {
            lock (_map) return _bridges.Values.ToList();
        }
    }

    /// <summary>
    /// Holds the bridge of this name (whether or not it exists yet) until the handle is disposed: for anything that
    /// makes, checks or removes its links, the request handlers and a link-event listener alike.
    /// </summary>
    public IDisposable LockBridge(string name) => _locks.Take(name);

    /// <summary>Reads every bridge file; returns how many were read.</summary>
    public int Load()
    {
        var loaded = store.LoadAll();
        lock (_map)
        {
            _bridges.Clear();
            foreach (var (_, bridge) in loaded) _bridges[bridge.Name] = bridge;
            return _bridges.Count;
        }
    }

    public BridgeRecord? Find(string name)
    {
        lock (_map) return _bridges.GetValueOrDefault(name);
    }

    /// <summary>The bridge recorded for this VLAN sub-interface, if any.</summary>
    public BridgeRecord? Serving(string vlanLink)
    {
        lock (_map) return ServingUnlocked(vlanLink);
    }

    /// <summary>
    /// Records a new bridge, in memory and then on disk, unless another bridge already serves its VLAN sub-interface
    /// (checked in the same step as the add): then nothing changes and that bridge is returned.
    /// </summary>
    public BridgeRecord? AddUnlessServed(BridgeRecord bridge)
    {
        lock (_map)
        {
            if (ServingUnlocked(bridge.VlanLink) is { } rival) return rival;
            _bridges[bridge.Name] = bridge;
        }
        try
        {
            Save(bridge);
        }
        catch
        {
            lock (_map) _bridges.Remove(bridge.Name);
            throw;
        }
        return null;
    }

    /// <summary>The caller holds the map's lock.</summary>
    private BridgeRecord? ServingUnlocked(string vlanLink) =>
        _bridges.Values.FirstOrDefault(b => b.VlanLink == vlanLink);

    public void Save(BridgeRecord bridge) => store.Save(bridge.Name, bridge);

    /// <summary>Forgets the bridge, on disk first.</summary>
    public void Remove(string name)
    {
        store.Delete(name);
        lock (_map) _bridges.Remove(name);
    }
}
