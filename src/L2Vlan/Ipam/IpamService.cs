using System.Net;
using System.Text.Json;
using L2Vlan.Protocol;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Ipam;

/// <summary>
/// l2vlan's IPAM driver. Unlike Docker's default IPAM it lets many networks share one subnet and
/// gateway (one pool per --ip-range), records the gateway without ever giving it to a container
/// (it lives on the external router), and never hands out one address twice on this host across
/// every pool of a subnet. Not thread-safe: the plugin serialises requests.
/// </summary>
public sealed class IpamService(JsonFileCollection<AddressPool> store, ILogger<IpamService> logger)
{
    public const string AddressSpace = "l2vlan";
    private const string RequestAddressTypeOption = "RequestAddressType";
    private const string GatewayRequestType = "com.docker.network.gateway";

    private readonly Dictionary<string, AddressPool> _pools = new(StringComparer.Ordinal);

    public IReadOnlyCollection<AddressPool> Pools => _pools.Values;

    public void Load()
    {
        _pools.Clear();
        foreach (var (_, pool) in store.LoadAll()) _pools[pool.Id] = pool;
        logger.LogInformation("Loaded {Count} address pools from {Directory}", _pools.Count, store.Directory);
    }

    public RequestPoolResponse RequestPool(RequestPoolRequest request)
    {
        RejectIpamOptions(request.Options);
        if (string.IsNullOrWhiteSpace(request.Pool))
            throw new UserError("the l2vlan IPAM driver needs --subnet: give the subnet of the external VLAN, e.g. --subnet 192.168.1.0/24");
        var subnet = Cidr.ParseNetwork(request.Pool, "--subnet");
        if (request.V6 != (subnet.Family == System.Net.Sockets.AddressFamily.InterNetworkV6))
            throw new UserError($"--subnet {subnet} is not an IPv{(request.V6 ? 6 : 4)} subnet as Docker asked for");
        Cidr? range = null;
        if (!string.IsNullOrWhiteSpace(request.SubPool))
        {
            var r = Cidr.ParseNetwork(request.SubPool, "--ip-range");
            if (!subnet.Contains(r))
                throw new UserError($"--ip-range {r} is not inside --subnet {subnet}");
            range = r;
        }

        var id = AddressPool.MakeId(subnet, range);
        if (!_pools.ContainsKey(id))
        {
            var pool = new AddressPool { Id = id, Subnet = subnet.ToString(), Range = range?.ToString() };
            Save(pool);
            _pools[id] = pool;
            logger.LogInformation("Pool {Pool} created", id);
        }
        return new RequestPoolResponse { PoolID = id, Pool = subnet.ToString() };
    }

    public void ReleasePool(string poolId)
    {
        if (!_pools.TryGetValue(poolId, out var pool)) return;
        var inUse = pool.Allocations.Count(a => a.Kind != AllocationKind.Auxiliary);
        if (inUse > 0)
        {
            // Two networks with the very same subnet and range share one pool; the other one still uses it.
            logger.LogWarning("Pool {Pool} released but {Count} of its addresses are still in use; keeping it", poolId, inUse);
            return;
        }
        store.Delete(AddressPool.FileKey(poolId));
        _pools.Remove(poolId);
        logger.LogInformation("Pool {Pool} released", poolId);
    }

    public RequestAddressResponse RequestAddress(RequestAddressRequest request)
    {
        var pool = Find(request.PoolID);
        var subnet = pool.SubnetCidr;
        IPAddress? wanted = null;
        if (!string.IsNullOrWhiteSpace(request.Address))
        {
            var text = request.Address.Split('/')[0];
            if (!IPAddress.TryParse(text, out wanted) || wanted.AddressFamily != subnet.Family)
                throw new UserError($"'{request.Address}' is not an IPv{(subnet.Family == System.Net.Sockets.AddressFamily.InterNetwork ? 4 : 6)} address");
            if (!subnet.Contains(wanted))
                throw new UserError($"address {wanted} is outside the subnet {subnet}");
        }

        var address = IsGatewayRequest(request.Options)
            ? AssignGateway(pool, wanted)
            : wanted is null ? AssignFree(pool) : AssignRequested(pool, wanted);
        return new RequestAddressResponse { Address = $"{address}/{subnet.PrefixLength}" };
    }

    public void ReleaseAddress(ReleaseAddressRequest request)
    {
        if (!_pools.TryGetValue(request.PoolID, out var pool)) return;
        if (!IPAddress.TryParse(request.Address?.Split('/')[0], out var address)) return;
        // The gateway stays recorded until its pool goes: it belongs to the network, not to a container.
        var allocation = pool.Find(address);
        if (allocation is null) return;
        pool.Allocations.Remove(allocation);
        Save(pool);
        logger.LogInformation("Address {Address} released from pool {Pool}", address, pool.Id);
    }

    /// <summary>
    /// Frees a container's address that Docker will never release, because the dockerd that held it is gone
    /// (the driver finds out when Docker re-creates the network). An address is held by one pool at most
    /// among the pools that share its subnet; --aux-addresses stay.
    /// </summary>
    public void Reclaim(IPAddress address)
    {
        foreach (var pool in _pools.Values)
        {
            var allocation = pool.Find(address);
            if (allocation is null || allocation.Kind == AllocationKind.Auxiliary) continue;
            pool.Allocations.Remove(allocation);
            Save(pool);
            logger.LogWarning("Address {Address} reclaimed in pool {Pool}: the dockerd that held it exited without releasing it", address, pool.Id);
        }
    }

    /// <summary>
    /// The driver tells which requested addresses were a network's --aux-address, so that the
    /// replay Docker sends when it re-creates a swarm network finds them already held, not taken.
    /// </summary>
    public void MarkAuxiliary(IPAddress address)
    {
        foreach (var pool in _pools.Values)
        {
            var allocation = pool.Find(address);
            if (allocation is null || allocation.Kind == AllocationKind.Auxiliary) continue;
            pool.Allocations[pool.Allocations.IndexOf(allocation)] = allocation with { Kind = AllocationKind.Auxiliary };
            Save(pool);
        }
    }

    private IPAddress AssignGateway(AddressPool pool, IPAddress? wanted)
    {
        var subnet = pool.SubnetCidr;
        // No --gateway: the router conventionally sits on the subnet's first address.
        var gateway = wanted ?? AddressMath.FromNumber(subnet.First + 1, subnet.Family);
        var holder = SharingSubnet(subnet).FirstOrDefault(p => p.Find(gateway) is not null);
        if (holder is not null)
            throw new UserError($"gateway {gateway} is already the address of a container or --aux-address on this host (pool {holder.Id})");
        if (pool.Gateway != gateway.ToString())
        {
            pool.Gateway = gateway.ToString();
            Save(pool);
        }
        return gateway;
    }

    private IPAddress AssignRequested(AddressPool pool, IPAddress wanted)
    {
        if (IsGatewayOf(pool.SubnetCidr, wanted))
            throw new UserError($"address {wanted} is the gateway of subnet {pool.SubnetCidr}; it lives on the router and cannot be given to a container");
        foreach (var other in SharingSubnet(pool.SubnetCidr))
        {
            var held = other.Find(wanted);
            if (held is null) continue;
            // Docker asks again for an --aux-address when it re-creates a network; that is no conflict.
            if (other == pool && held.Kind == AllocationKind.Auxiliary) return wanted;
            throw new UserError($"address {wanted} is already in use on this host");
        }
        pool.Allocations.Add(new Allocation(wanted.ToString(), AllocationKind.Requested));
        Save(pool);
        return wanted;
    }

    private IPAddress AssignFree(AddressPool pool)
    {
        var subnet = pool.SubnetCidr;
        var range = pool.RangeCidr;
        var taken = new HashSet<UInt128>();
        foreach (var p in SharingSubnet(subnet))
        {
            foreach (var a in p.Allocations) taken.Add(AddressMath.ToNumber(IPAddress.Parse(a.Address)));
            if (p.Gateway is not null) taken.Add(AddressMath.ToNumber(IPAddress.Parse(p.Gateway)));
        }
        var free = FreeAddresses.First(subnet, range, taken)
            ?? throw new UserError($"no free address left in {(pool.Range is null ? $"subnet {subnet}" : $"--ip-range {range} of subnet {subnet}")}: every address is in use on this host");
        var address = AddressMath.FromNumber(free, subnet.Family);
        pool.Allocations.Add(new Allocation(address.ToString(), AllocationKind.Dynamic));
        Save(pool);
        return address;
    }

    private bool IsGatewayOf(Cidr subnet, IPAddress address) =>
        SharingSubnet(subnet).Any(p => p.Gateway == address.ToString());

    private IEnumerable<AddressPool> SharingSubnet(Cidr subnet) =>
        _pools.Values.Where(p => p.SubnetCidr.Contains(subnet.Network) || subnet.Contains(p.SubnetCidr.Network));

    private AddressPool Find(string poolId) =>
        _pools.TryGetValue(poolId, out var pool)
            ? pool
            : throw new UserError($"l2vlan has no address pool '{poolId}' (it was released, or its state file is quarantined)");

    private void Save(AddressPool pool) => store.Save(AddressPool.FileKey(pool.Id), pool);

    private static bool IsGatewayRequest(Dictionary<string, JsonElement>? options) =>
        options is not null
        && options.TryGetValue(RequestAddressTypeOption, out var type)
        && type.ValueKind == JsonValueKind.String
        && type.GetString() == GatewayRequestType;

    private static void RejectIpamOptions(Dictionary<string, JsonElement>? options)
    {
        // Docker's own keys may ride along; the user's --ipam-opt keys would be silently ignored otherwise.
        var unknown = options?.Keys.Where(k => !k.StartsWith("com.docker.", StringComparison.Ordinal)).Order().ToList();
        if (unknown is { Count: > 0 })
            throw new UserError($"the l2vlan IPAM driver takes no --ipam-opt options; got {string.Join(", ", unknown)}");
    }
}
