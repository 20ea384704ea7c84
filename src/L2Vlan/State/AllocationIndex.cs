using System.Collections;
using System.Net;

namespace L2Vlan.State;

/// <summary>
/// A pool's allocations by address: finding, adding and removing one costs the same at 50,000 held as at 10.
/// Each change is noted as a journal record in the pool's pending list.
/// </summary>
public sealed class AllocationIndex(List<string> pending) : IReadOnlyCollection<Allocation>
{
    private readonly Dictionary<IPAddress, Allocation> _byAddress = [];

    public int Count => _byAddress.Count;

    public Allocation? Find(IPAddress address) => _byAddress.GetValueOrDefault(address);

    /// <summary>Holds the address (or changes how it is held).</summary>
    public void Add(Allocation allocation)
    {
        _byAddress[allocation.Address] = allocation;
        pending.Add(PoolChange.Held(allocation));
    }

    public bool Remove(Allocation allocation)
    {
        if (!_byAddress.Remove(allocation.Address)) return false;
        pending.Add(PoolChange.Released(allocation.Address));
        return true;
    }

    /// <summary>From the snapshot or a journal record: already on disk, so nothing is noted.</summary>
    internal void Load(Allocation allocation) => _byAddress[allocation.Address] = allocation;

    internal void Unload(IPAddress address) => _byAddress.Remove(address);

    public IEnumerator<Allocation> GetEnumerator() => _byAddress.Values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
