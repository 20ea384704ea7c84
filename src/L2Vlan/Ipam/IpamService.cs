using System.Net;
using System.Net.Sockets;
using L2Vlan.Domain;
using L2Vlan.Metrics;
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
/// <para>
/// A change is answered once it is durable: made in memory and appended to its pool's journal under the lock, then
/// waited for after the lock is let go, so that concurrent calls share one fsync (<see cref="GroupCommit"/>). A sync
/// that fails ends the process (see <see cref="Fatal"/>).
/// </para>
public sealed partial class IpamService(
    JsonFileCollection<AddressPool> store, NetworkRegistry networks, ILogger<IpamService> logger,
        GroupCommit? commits = null)
{
    private readonly Dictionary<string, AddressPool> _pools = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly PoolStore _files = new(store, commits ?? new GroupCommit(e => Fatal(logger, e)), logger);

    /// <summary>Per pool, an address below which every one of its range is taken: where the search for a free one
    /// starts.</summary>
    private readonly Dictionary<string, UInt128> _freeFrom = new(StringComparer.Ordinal);

    /// <summary>The journal's ticket of the changes this thread's call made, to wait for once the lock is let
    /// go.</summary>
    [ThreadStatic]
    private static long TicketOfThisThread;

    /// <summary>The pools as they are now; their content is safe to read only while no call runs.</summary>
    public IReadOnlyCollection<AddressPool> Pools
    {
        get
        {
            using var held = Locked();
            return _pools.Values.ToList();
        }
    }

    /// <summary>Whether the IPAM's lock could be taken within <paramref name="bound"/>: the watchdog's sign that calls
    /// are served.</summary>
    public bool Responds(TimeSpan bound)
    {
        if (!_gate.TryEnter(bound)) return false;
        _gate.Exit();
        return true;
    }

    public void Load()
    {
        using var held = Locked();
        _pools.Clear();
        _freeFrom.Clear();
        foreach (var pool in _files.LoadAll()) _pools[pool.Id] = pool;
        logger.LogInformation("Loaded {Count} address pools from {Directory}", _pools.Count, store.Directory);
    }

    /// <summary>The pool of <paramref name="subnet"/> (--subnet) and <paramref name="range"/> (--ip-range); returns its
    /// ID.</summary>
    public string RequestPool(Cidr subnet, Cidr? range, bool v6) =>
        Durably(() => RequestPoolLocked(subnet, range, v6));

    private string RequestPoolLocked(Cidr subnet, Cidr? range, bool v6)
    {
        using var held = Locked();
        if (v6 != (subnet.Family == AddressFamily.InterNetworkV6))
            throw new UserError($"--subnet {subnet} is not an IPv{(v6 ? 6 : 4)} subnet as Docker asked for");
        if (range is { } r && !subnet.Contains(r))
            throw new UserError($"--ip-range {r} is not inside --subnet {subnet}");

        var id = AddressPool.MakeId(subnet, range);
        if (_pools.TryGetValue(id, out var pool))
        {
            // Another network with this subnet and range, or the same one re-created by a new dockerd (see
            // ReleasePool).
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
    public InterfaceAddress RequestAddress(string poolId, IPAddress? wanted, bool gateway) =>
        Durably(() => RequestAddressLocked(poolId, wanted, gateway));

    private InterfaceAddress RequestAddressLocked(string poolId, IPAddress? wanted, bool gateway)
    {
        using var held = Locked();
        var pool = Find(poolId);
        var subnet = pool.Subnet;
        if (wanted is not null)
        {
            if (wanted.AddressFamily != subnet.Family)
            {
                throw new UserError($"'{wanted}' is not an " +
                    $"IPv{(subnet.Family == AddressFamily.InterNetwork ? 4 : 6)} address");
            }
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
        {
            throw new UserError($"gateway {gateway} is already the address of a container or --aux-address on this " +
                $"host (pool {holder.Id})");
        }
        if (pool.Gateways.Contains(gateway)) return gateway;
        // A network sharing the pool may name another router: each network's containers route via its own
        // gateway, so every one is kept, and none is handed out while the pool lives.
        if (pool.Gateway is { } first)
        {
            logger.LogInformation("Pool {Pool} records a second gateway {Gateway} beside {First}: another network " +
                "names another router", pool.Id, gateway, first);
        }
        pool.AddGateway(gateway);
        Save(pool);
        return gateway;
    }

    private IPAddress AssignRequested(AddressPool pool, IPAddress wanted)
    {
        if (IsGatewayOf(pool.Subnet, wanted))
        {
            throw new UserError($"address {wanted} is the gateway of subnet {pool.Subnet}; it lives on the router " +
                $"and cannot be given to a container");
        }
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
        var sharing = SharingSubnet(subnet).ToList();
        var gateways = sharing.SelectMany(p => p.Gateways).Select(AddressMath.ToNumber).ToHashSet();
        bool Taken(UInt128 candidate)
        {
            if (gateways.Contains(candidate)) return true;
            var address = AddressMath.FromNumber(candidate, subnet.Family);
            return sharing.Any(p => p.Find(address) is not null);
        }
        var from = _freeFrom.TryGetValue(pool.Id, out var known) && known > range.First ? known : range.First;
        var free = FreeAddresses.First(subnet, range, from, Taken)
            ?? throw new UserError($"no free address left in " +
                $"{(pool.Range is null ? $"subnet {subnet}" : $"--ip-range {range} of subnet {subnet}")}: every " +
                    $"address is in use on this host");
        _freeFrom[pool.Id] = free;
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
            : throw new UserError($"l2vlan has no address pool '{poolId}' (it was released, or its state file is " +
                $"quarantined)");

    /// <summary>
    /// Hands the pool's changes to its journal; the public call waits for them in <see cref="Durable"/>. A write the
    /// disk refuses puts the pool back as its files hold it (<see cref="Undo"/>), and the call is refused.
    /// </summary>
    private void Save(AddressPool pool)
    {
        long ticket;
        try
        {
            ticket = _files.Save(pool);
        }
        catch (StateDiskFullException)
        {
            Undo(pool);
            throw;
        }
        TicketOfThisThread = Math.Max(TicketOfThisThread, ticket);
    }

    /// <summary>
    /// Memory goes back to what the disk holds after a refused write: the pool as its files hold it, or no pool when
    /// it has none (a new one whose first write was refused).
    /// </summary>
    private void Undo(AddressPool pool)
    {
        _freeFrom.Remove(pool.Id);
        if (_files.Reload(pool.Id) is { } onDisk) _pools[pool.Id] = onDisk;
        else _pools.Remove(pool.Id);
        logger.LogWarning("Pool {Pool}: the state disk refused its change; the pool is as its files hold it", pool.Id);
    }

    /// <summary>
    /// The IPAM's one lock; a protocol call counts its wait for it as lock wait (l2vlan status --calls).
    /// </summary>
    private Lock.Scope Locked()
    {
        using var waiting = CallClock.Time(CallPhase.LockWait);
        return _gate.EnterScope();
    }

    /// <summary>
    /// Runs <paramref name="change"/>, which takes the IPAM's lock itself, then waits until what it saved is on disk,
    /// with the lock let go: one sync of the group commit then serves the saves of every call that waits with it.
    /// </summary>
    private T Durably<T>(Func<T> change)
    {
        try
        {
            return change();
        }
        finally
        {
            Durable();
        }
    }

    private void Durably(Action change) => Durably(() =>
    {
        change();
        return true;
    });

    /// <summary>Returns once the changes of this thread's call are on disk. Called after the lock is let go.</summary>
    private void Durable()
    {
        var ticket = TicketOfThisThread;
        TicketOfThisThread = 0;
        _files.Commits.WaitDurable(ticket);
    }

    /// <summary>An address of <paramref name="subnet"/> is free again: the searches of the pools that share it start no
    /// higher.</summary>
    private void Freed(Cidr subnet, IPAddress address)
    {
        var number = AddressMath.ToNumber(address);
        foreach (var pool in SharingSubnet(subnet))
            if (_freeFrom.TryGetValue(pool.Id, out var from) && from > number) _freeFrom[pool.Id] = number;
    }

    /// <summary>
    /// A state file could not be synced, so changes in memory may never reach the disk: no call may be told they did,
    /// and a retry cannot tell (Linux may drop the pages whose write-back failed). The process ends, once, saying why
    /// on stderr, which journald keeps (the console logger writes from a queue that FailFast does not wait for);
    /// systemd starts it again (Restart=on-failure) and the next start replays what the journals hold. A disk that
    /// fails again at every start stops it for good after StartLimitBurst= starts (l2vlan.service).
    /// </summary>
    public static void Fatal(ILogger logger, Exception problem)
    {
        var line = $"l2vlan: the state disk failed to sync a change ({problem.Message}); exiting so that no change " +
            $"that may not be on disk is answered as done. check the disk that holds l2vlan's state folder (dmesg)";
        logger.LogCritical("{Line}", line);
        Console.Error.WriteLine("<2>" + line);
        Console.Error.Flush();
        Environment.FailFast(line);
    }
}
