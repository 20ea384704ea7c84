using System.Net;

namespace L2Vlan.State;

/// <summary>
/// Which live endpoint uses each address on each bridge of this host. A bridge carries one VLAN, and on a VLAN an
/// address belongs to one station; the networks that share the bridge may each have their own IPAM (l2vlan's, or
/// Docker's default), and no IPAM knows another's addresses, so this is where two endpoints meet.
/// <para>
/// An address is taken only by <see cref="TryUse"/>, which checks and takes under one short lock: two CreateEndpoints
/// on two networks of one bridge each hold only their own network's lock, and only one of them gets the address. It is
/// given back when the records say the endpoint is deleted or gone (<see cref="Refresh"/>, on every save of its
/// network), when its network goes (<see cref="Forget"/>), or when its record could not be written
/// (<see cref="Release"/>). At start it is built again from the records (<see cref="Rebuild"/>).
/// </para>
/// </summary>
public sealed class AddressesInUse
{
    /// <summary>The endpoint that uses an address.</summary>
    public sealed record User(string NetworkId, string EndpointId);

    /// <summary>An address two live endpoints of one bridge used in the records read at start (written before this
    /// check existed).</summary>
    public sealed record Shared(string Bridge, IPAddress Address, User Kept, User Other);

    private readonly Dictionary<string, Dictionary<IPAddress, User>> _byBridge = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, (string Bridge,
        IPAddress[] Addresses)>> _byNetwork = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>
    /// Takes the addresses for the endpoint on the bridge, all or none; returns null when taken, or else an address
    /// another endpoint uses and that endpoint. Taking what the endpoint already holds is a no-op.
    /// </summary>
    public (IPAddress Address, User User)? TryUse(string bridge, User user, IEnumerable<IPAddress> addresses)
    {
        var wanted = addresses.ToArray();
        using var held = _gate.EnterScope();
        if (_byBridge.TryGetValue(bridge, out var used))
        {
            foreach (var address in wanted)
            {
                if (used.TryGetValue(address, out var other) && other != user) return (address, other);
            }
        }
        ReleaseLocked(user);
        if (used is null) _byBridge[bridge] = used = [];
        foreach (var address in wanted) used[address] = user;
        if (!_byNetwork.TryGetValue(user.NetworkId, out var endpoints))
            _byNetwork[user.NetworkId] = endpoints = new(StringComparer.Ordinal);
        endpoints[user.EndpointId] = (bridge, wanted);
        return null;
    }

    /// <summary>The endpoint uses nothing any more.</summary>
    public void Release(User user)
    {
        lock (_gate) ReleaseLocked(user);
    }

    /// <summary>Gives back what the network's endpoints used that its record no longer names as live (deleted or
    /// gone).</summary>
    public void Refresh(NetworkRecord network)
    {
        using var held = _gate.EnterScope();
        if (!_byNetwork.TryGetValue(network.NetworkId, out var endpoints)) return;
        foreach (var endpointId in endpoints.Keys.ToList())
        {
            if (!network.Endpoints.TryGetValue(endpointId, out var endpoint) || endpoint.Deleted)
                ReleaseLocked(new User(network.NetworkId, endpointId));
        }
    }

    /// <summary>The network is gone: everything its endpoints used is free.</summary>
    public void Forget(string networkId)
    {
        using var held = _gate.EnterScope();
        if (!_byNetwork.TryGetValue(networkId, out var endpoints)) return;
        foreach (var endpointId in endpoints.Keys.ToList()) ReleaseLocked(new User(networkId, endpointId));
    }

    /// <summary>What the records' live endpoints use, from nothing; returns the addresses two of them used (the first
    /// one read keeps it).</summary>
    public IReadOnlyList<Shared> Rebuild(IEnumerable<NetworkRecord> networks)
    {
        var shared = new List<Shared>();
        using var held = _gate.EnterScope();
        _byBridge.Clear();
        _byNetwork.Clear();
        foreach (var network in networks.OrderBy(n => n.NetworkId, StringComparer.Ordinal))
        {
            foreach (var endpoint in network.Endpoints.Values.Where(e => !e.Deleted))
            {
                var user = new User(network.NetworkId, endpoint.EndpointId);
                if (!_byBridge.TryGetValue(network.BridgeName, out var used)) _byBridge[network.BridgeName] = used = [];
                var mine = new List<IPAddress>();
                foreach (var address in endpoint.HeldAddresses())
                {
                    if (used.TryGetValue(address, out var kept))
                    {
                        shared.Add(new Shared(network.BridgeName, address, kept, user));
                        continue;
                    }
                    used[address] = user;
                    mine.Add(address);
                }
                if (!_byNetwork.TryGetValue(network.NetworkId, out var endpoints))
                    _byNetwork[network.NetworkId] = endpoints = new(StringComparer.Ordinal);
                endpoints[endpoint.EndpointId] = (network.BridgeName, mine.ToArray());
            }
        }
        return shared;
    }

    private void ReleaseLocked(User user)
    {
        if (!_byNetwork.TryGetValue(user.NetworkId, out var endpoints)
            || !endpoints.Remove(user.EndpointId, out var entry))
        {
            return;
        }
        if (endpoints.Count == 0) _byNetwork.Remove(user.NetworkId);
        if (!_byBridge.TryGetValue(entry.Bridge, out var used)) return;
        foreach (var address in entry.Addresses)
        {
            if (used.TryGetValue(address, out var holder) && holder == user) used.Remove(address);
        }
        if (used.Count == 0) _byBridge.Remove(entry.Bridge);
    }
}
