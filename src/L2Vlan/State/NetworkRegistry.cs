namespace L2Vlan.State;

/// <summary>
/// The networks this host serves, in memory and on disk (networks/&lt;NetworkId&gt;.json). Every change to a
/// network is saved through here. Not thread-safe: the plugin serialises requests.
/// </summary>
public sealed class NetworkRegistry(JsonFileCollection<NetworkRecord> store)
{
    private readonly Dictionary<string, NetworkRecord> _networks = new(StringComparer.Ordinal);

    public IReadOnlyCollection<NetworkRecord> All => _networks.Values;

    /// <summary>Reads every network file; returns how many were read.</summary>
    public int Load()
    {
        _networks.Clear();
        foreach (var (_, network) in store.LoadAll()) _networks[network.NetworkId] = network;
        return _networks.Count;
    }

    /// <summary>Network files that could not be read, kept in quarantine: the networks they describe may still be in use.</summary>
    public IReadOnlyList<string> QuarantinedFiles() => store.QuarantinedFiles();

    public NetworkRecord? Find(string id) => _networks.GetValueOrDefault(id);

    public IEnumerable<NetworkRecord> OnBridge(string bridge) => _networks.Values.Where(n => n.BridgeName == bridge);

    public void Add(NetworkRecord network)
    {
        store.Save(network.NetworkId, network);
        _networks[network.NetworkId] = network;
    }

    public void Save(NetworkRecord network) => store.Save(network.NetworkId, network);

    public void Remove(NetworkRecord network)
    {
        store.Delete(network.NetworkId);
        _networks.Remove(network.NetworkId);
    }
}
