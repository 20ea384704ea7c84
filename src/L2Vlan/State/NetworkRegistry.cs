namespace L2Vlan.State;

/// <summary>
/// The networks this host serves, in memory and on disk (networks/&lt;NetworkId&gt;.json). Every change to a
/// network is saved through here. Safe for concurrent use: a short lock guards the map only, and every list it
/// gives is a copy. A record's content (its endpoints) is read and changed only under that network's lock,
/// <see cref="LockNetwork"/>: by the driver's calls on the network, and by the IPAM when Docker releases the
/// address of a deleted endpoint. A network's lock is held across a firewall call only while that network is
/// being created (no other call knows it yet), a wait bounded by the firewall's time limit.
/// </summary>
public sealed class NetworkRegistry(JsonFileCollection<NetworkRecord> store)
{
    private readonly Dictionary<string, NetworkRecord> _networks = new(StringComparer.Ordinal);
    private readonly Lock _map = new();
    private readonly KeyedLocks _locks = new();

    /// <summary>Which live endpoint uses each address on each bridge, kept in step with the records by every load, save
    /// and removal here.</summary>
    public AddressesInUse Addresses { get; } = new();

    /// <summary>Addresses that two live endpoints of one bridge used in the records of the last
    /// <see cref="Load"/>.</summary>
    public IReadOnlyList<AddressesInUse.Shared> SharedAtLoad { get; private set; } = [];

    public IReadOnlyCollection<NetworkRecord> All
    {
        get
        {
            lock (_map) return _networks.Values.ToList();
        }
    }

    /// <summary>Holds the network of this ID (whether or not it exists yet) until the handle is disposed.</summary>
    public IDisposable LockNetwork(string id) => _locks.Take(id);

    /// <summary>
    /// Holds one endpoint of a network, for the link work that runs without the network's lock (a Join's veth); taken
    /// before the network's lock, never while holding it.
    /// </summary>
    public IDisposable LockEndpoint(string networkId, string endpointId) => _locks.Take($"{networkId}/{endpointId}");

    /// <summary>Reads every network file; returns how many were read.</summary>
    public int Load()
    {
        var loaded = store.LoadAll();
        lock (_map)
        {
            _networks.Clear();
            foreach (var (_, network) in loaded) _networks[network.NetworkId] = network;
            SharedAtLoad = Addresses.Rebuild(_networks.Values);
            return _networks.Count;
        }
    }

    /// <summary>Network files that could not be read, kept in quarantine: the networks they describe may still be in
    /// use.</summary>
    public IReadOnlyList<string> QuarantinedFiles() => store.QuarantinedFiles();

    public NetworkRecord? Find(string id)
    {
        lock (_map) return _networks.GetValueOrDefault(id);
    }

    public IReadOnlyList<NetworkRecord> OnBridge(string bridge)
    {
        lock (_map) return _networks.Values.Where(n => n.BridgeName == bridge).ToList();
    }

    public void Add(NetworkRecord network)
    {
        store.Save(network.NetworkId, network);
        lock (_map) _networks[network.NetworkId] = network;
    }

    /// <summary>
    /// Writes the record. A write the disk refuses puts the record in memory back as its file holds it (the caller's
    /// changes to it are undone, and the caller's reference is stale) and throws <see cref="StateDiskFullException"/>.
    /// </summary>
    public void Save(NetworkRecord network)
    {
        try
        {
            store.Save(network.NetworkId, network);
        }
        catch (StateDiskFullException)
        {
            Undo(network.NetworkId);
            throw;
        }
        Addresses.Refresh(network);
    }

    /// <summary>Deletes the record; a delete the disk refuses is undone as a refused <see cref="Save"/> is.</summary>
    public void Remove(NetworkRecord network)
    {
        try
        {
            store.Delete(network.NetworkId);
        }
        catch (StateDiskFullException)
        {
            Undo(network.NetworkId);
            throw;
        }
        lock (_map) _networks.Remove(network.NetworkId);
        Addresses.Forget(network.NetworkId);
    }

    /// <summary>Memory goes back to the disk: the record as its file holds it, or none.</summary>
    private void Undo(string id)
    {
        var onDisk = store.Read(id);
        lock (_map)
        {
            if (onDisk is null) _networks.Remove(id);
            else _networks[id] = onDisk;
        }
        if (onDisk is null) Addresses.Forget(id);
        else Addresses.Refresh(onDisk);
    }
}
