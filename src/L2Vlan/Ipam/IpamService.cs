using System.Net;
using System.Net.Sockets;
using L2Vlan.Domain;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Ipam;

/// <summary>
/// l2vlan's IPAM, and the one owner of an address's life: allocated here, used by an endpoint, then released
/// by Docker or reclaimed from a dockerd that died (see the other half of this class). Unlike Docker's default
/// IPAM it lets many networks share one subnet and gateway (one pool per --ip-range), records the gateway
/// without ever giving it to a container (it lives on the external router), and never hands out one address
/// twice on this host across every pool of a subnet.
/// <para>
/// Safe for concurrent use through one lock of its own around every public call: the holder counts and the
/// "never twice" rule read all pools of a subnet at once. The IPAM never calls iptables or netlink, so its lock is
/// held only for memory and its own files. It is taken after a network's lock (the driver calls in with it held),
/// so while holding it the IPAM never takes a network's lock; where it must change a network's record (a released
/// address of a deleted endpoint) it does so after letting its own lock go.
/// </para>
/// </summary>
public sealed partial class IpamService(JsonFileCollection<AddressPool> store, NetworkRegistry networks, ILogger<IpamService> logger)
{
    private readonly Dictionary<string, AddressPool> _pools = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The pools as they are now; their content is safe to read only while no call runs.</summary>
    public IReadOnlyCollection<AddressPool> Pools
    {
        get
        {
            lock (_gate) return _pools.Values.ToList();
        }
    }

    /// <summary>Whether the IPAM's lock could be taken within <paramref name="bound"/>: the watchdog's sign that calls are served.</summary>
    public bool Responds(TimeSpan bound)
    {
        if (!_gate.TryEnter(bound)) return false;
        _gate.Exit();
        return true;
    }

    public void Load()
    {
        using var held = _gate.EnterScope();
        _pools.Clear();
        foreach (var (_, pool) in store.LoadAll()) _pools[pool.Id] = pool;
        logger.LogInformation("Loaded {Count} address pools from {Directory}", _pools.Count, store.Directory);
    }

    /// <summary>The pool of <paramref name="subnet"/> (--subnet) and <paramref name="range"/> (--ip-range); returns its ID.</summary>
    public string RequestPool(Cidr subnet, Cidr? range, bool v6)
    {
        using var held = _gate.EnterScope();
        if (v6 != (subnet.Family == AddressFamily.InterNetworkV6))
            throw new UserError($"--subnet {subnet} is not an IPv{(v6 ? 6 : 4)} subnet as Docker asked for");
        if (range is { } r && !subnet.Contains(r))
            throw new UserError($"--ip-range {r} is not inside --subnet {subnet}");

        var id = AddressPool.MakeId(subnet, range);
        if (_pools.TryGetValue(id, out var pool))
        {
            // Another network with this subnet and range, or the same one re-created by a new dockerd (see ReleasePool).
            pool.Holders++;
            Save(pool);
            logger.LogInformation("Pool {Pool} requested again; {Holders} requests hold it", id, pool.Holders);
        }
        else
        {
            pool = new AddressPool { Id = id, Subnet = subnet, Range = range };
            Save(pool);
            _pools[id] = pool;
            logger.LogInformation("Pool {Pool} created", id);
        }
        return id;
    }

    /// <summary>
    /// An address of the pool: <paramref name="wanted"/> (a gateway, --aux-address or --ip), or the lowest free one.
    /// The gateway is recorded and never handed out.
    /// </summary>
    public InterfaceAddress RequestAddress(string poolId, IPAddress? wanted, bool gateway)
    {
        using var held = _gate.EnterScope();
        var pool = Find(poolId);
        var subnet = pool.Subnet;
        if (wanted is not null)
        {
            if (wanted.AddressFamily != subnet.Family)
                throw new UserError($"'{wanted}' is not an IPv{(subnet.Family == AddressFamily.InterNetwork ? 4 : 6)} address");
            if (!subnet.Contains(wanted))
                throw new UserError($"address {wanted} is outside the subnet {subnet}");
        }

        var address = gateway
            ? AssignGateway(pool, wanted)
            : wanted is null ? AssignFree(pool) : AssignRequested(pool, wanted);
        return new InterfaceAddress(address, subnet.PrefixLength);
    }

    private IPAddress AssignGateway(AddressPool pool, IPAddress? wanted)
    {
        var subnet = pool.Subnet;
        // No --gateway: the router conventionally sits on the subnet's first address.
        var gateway = wanted ?? AddressMath.FromNumber(subnet.First + 1, subnet.Family);
        var holder = SharingSubnet(subnet).FirstOrDefault(p => p.Find(gateway) is not null);
        if (holder is not null)
            throw new UserError($"gateway {gateway} is already the address of a container or --aux-address on this host (pool {holder.Id})");
        if (pool.Gateways.Contains(gateway)) return gateway;
        // A network sharing the pool may name another router: each network's containers route via its own
        // gateway, so every one is kept, and none is handed out while the pool lives.
        if (pool.Gateway is { } first)
            logger.LogInformation("Pool {Pool} records a second gateway {Gateway} beside {First}: another network names another router", pool.Id, gateway, first);
        pool.AddGateway(gateway);
        Save(pool);
        return gateway;
    }

    private IPAddress AssignRequested(AddressPool pool, IPAddress wanted)
    {
        if (IsGatewayOf(pool.Subnet, wanted))
            throw new UserError($"address {wanted} is the gateway of subnet {pool.Subnet}; it lives on the router and cannot be given to a container");
        foreach (var other in SharingSubnet(pool.Subnet))
        {
            var held = other.Find(wanted);
            if (held is null) continue;
            // Docker asks again for an --aux-address when it re-creates a network; that is no conflict.
            if (other == pool && held.Kind == AllocationKind.Auxiliary) return wanted;
            throw new UserError($"address {wanted} is already in use on this host");
        }
        pool.Allocations.Add(new Allocation(wanted, AllocationKind.Requested));
        Save(pool);
        return wanted;
    }

    private IPAddress AssignFree(AddressPool pool)
    {
        var subnet = pool.Subnet;
        var range = pool.RangeOrSubnet;
        var taken = new HashSet<UInt128>();
        foreach (var p in SharingSubnet(subnet))
        {
            foreach (var a in p.Allocations) taken.Add(AddressMath.ToNumber(a.Address));
            foreach (var gateway in p.Gateways) taken.Add(AddressMath.ToNumber(gateway));
        }
        var free = FreeAddresses.First(subnet, range, taken)
            ?? throw new UserError($"no free address left in {(pool.Range is null ? $"subnet {subnet}" : $"--ip-range {range} of subnet {subnet}")}: every address is in use on this host");
        var address = AddressMath.FromNumber(free, subnet.Family);
        pool.Allocations.Add(new Allocation(address, AllocationKind.Dynamic));
        Save(pool);
        return address;
    }

    private bool IsGatewayOf(Cidr subnet, IPAddress address) =>
        SharingSubnet(subnet).Any(p => p.Gateways.Contains(address));

    private IEnumerable<AddressPool> SharingSubnet(Cidr subnet) =>
        _pools.Values.Where(p => p.Subnet.Contains(subnet.Network) || subnet.Contains(p.Subnet.Network));

    private AddressPool Find(string poolId) =>
        _pools.TryGetValue(poolId, out var pool)
            ? pool
            : throw new UserError($"l2vlan has no address pool '{poolId}' (it was released, or its state file is quarantined)");

    private void Save(AddressPool pool) => store.Save(AddressPool.FileKey(pool.Id), pool);
}
