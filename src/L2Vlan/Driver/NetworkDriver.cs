using System.Net.NetworkInformation;
using L2Vlan.Domain;
using L2Vlan.Firewall;
using L2Vlan.Ipam;
using L2Vlan.Netlink;
using L2Vlan.Policy;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// l2vlan's network driver: networks are bridges on an external VLAN, endpoints are veth pairs on them.
/// Every create is idempotent (Docker replays swarm networks with the same IDs) and every delete succeeds
/// when the thing is already gone.
/// <para>
/// Calls run concurrently. Each takes its network's lock (<see cref="NetworkRegistry.LockNetwork"/>), and the bridge
/// work its bridge's lock (<see cref="BridgeRegistry.LockBridge"/>), in that order, then the IPAM's own lock inside
/// either when it calls the IPAM. Work that may call the firewall (making or removing a bridge) runs under the
/// bridge's lock, and under a network's lock only while that network is not yet recorded (its create), so a stuck
/// iptables holds up calls on that bridge and that network only, never the IPAM or another bridge. A Join and a
/// DeleteEndpoint take their endpoint's lock first (<see cref="NetworkRegistry.LockEndpoint"/>): a Join makes the
/// veth holding only that, so the Joins of one network make their veths at the same time.
/// </para>
/// <para>
/// The IDs it is given were checked where Docker's message was read (Protocol/DockerIds), before anything was made.
/// </para>
/// </summary>
public sealed class NetworkDriver(
    NetworkRegistry networks,
    BridgeRegistry bridges,
    EndpointWiring wiring,
    DuplicateAddressCheck duplicates,
    DeadDockerdPolicy deadDockerd,
    IpamService ipam,
    ILinkControl links,
    VethReaper reaper,
    ILogger<NetworkDriver> logger,
    ForwardHookWarnings? firewallWarnings = null,
    CurrentPolicy? policy = null)
{
    /// <summary>The networks as recorded now; their content is safe to read only while no call runs.</summary>
    public IReadOnlyCollection<NetworkRecord> Networks => networks.All;
    public IReadOnlyCollection<BridgeRecord> Bridges => bridges.All;

    public void CreateNetwork(NetworkSpec spec)
    {
        var id = spec.NetworkId;
        string replayedOn;
        using (networks.LockNetwork(id))
        {
            if (networks.Find(id) is not { } existing)
            {
                Create(id, spec);
                return;
            }
            if (!SameOptions(existing.Options, spec.Options))
                throw new UserError($"network {id} already exists in l2vlan with other options");
            deadDockerd.NetworkRecreated(existing);
            replayedOn = existing.BridgeName;
        }
        // Docker re-creates swarm networks with the same ID after it restarts: make sure the links are there. The
        // network is recorded, so this runs after its lock is let go (see the class's summary).
        using (bridges.LockBridge(replayedOn))
        {
            if (bridges.Find(replayedOn) is { } known) bridges.EnsureLinks(known);
        }
    }

    /// <summary>A network not recorded yet; its lock is held.</summary>
    private void Create(string id, NetworkSpec spec)
    {
        var options = NetworkOptionsParser.Parse(spec.Options, name => links.FindLink(name) is not null, ParentFile.Read);
        // Only a network not recorded yet: one made before the policy tightened keeps working, replays included.
        if (policy is not null) policy.Value.Check(options.ExtIf, options.VlanId, policy.Path);
        CheckMtu(options);
        var network = new NetworkRecord
        {
            NetworkId = id,
            BridgeName = options.BridgeName,
            ExtIf = options.ExtIf,
            VlanId = options.VlanId,
            Mtu = options.Mtu,
            Internal = spec.Internal,
            Routes = options.Routes.ToList(),
            Subnets = spec.Subnets.ToList(),
            AuxAddresses = spec.AuxAddresses.Count == 0 ? null : spec.AuxAddresses.ToList(),
            Options = new Dictionary<string, string>(spec.Options),
        };
        BridgeRecord bridge;
        bool newBridge;
        // Claimed, made and recorded under one hold of the bridge: a delete of its last other network waits, and
        // then finds this one on it.
        using (bridges.LockBridge(options.BridgeName))
        {
            newBridge = bridges.Find(options.BridgeName) is null;
            bridge = bridges.Claim(options);
            try
            {
                bridges.EnsureLinks(bridge);
                networks.Add(network);
            }
            catch (Exception failed)
            {
                // The links are removed whether they or the network's record failed (a full state disk): nothing
                // may stay that no network uses. A firewall that did not answer would keep the caller waiting as
                // long again for the removal: the record stays, and the next delete on the bridge or the next start
                // removes it.
                if (failed is FirewallTimeoutException)
                {
                    logger.LogError("Bridge {Bridge} is kept after a failed create: the firewall did not answer",
                        bridge.Name);
                    throw;
                }
                try
                {
                    bridges.RemoveIfUnused(bridge.Name);
                }
                catch (Exception cleanup)
                {
                    // The user needs the first error; the bridge's record stays and start-up tries the removal again.
                    logger.LogError("Bridge {Bridge} is kept after a failed create: {Message}", bridge.Name,
                        cleanup.Message);
                }
                throw;
            }
        }
        foreach (var aux in spec.AuxAddresses) ipam.MarkAuxiliary(aux);
        logger.LogInformation("Network {Network} created on bridge {Bridge} ({VlanLink})", id, bridge.Name,
            bridge.VlanLink);
        // The host's own firewall is read once per bridge, when it is made: a network that shares it is bridged alike.
        if (newBridge) firewallWarnings?.CheckInBackground(bridge.Name);
    }

    public void DeleteNetwork(string networkId) => Drop(networkId, forgotten: false);

    /// <summary>
    /// <c>l2vlan forget</c>: a network Docker no longer knows (a dockerd that was killed and never re-created it) goes
    /// as if Docker had removed it: its endpoints deleted and their addresses released, its --aux-addresses and its
    /// pool requests released, then what DeleteNetwork does. The caller made sure Docker does not know it.
    /// Returns false when the network was already gone.
    /// </summary>
    public bool ForgetNetwork(string networkId) => Drop(networkId, forgotten: true);

    private bool Drop(string networkId, bool forgotten)
    {
        NetworkRecord network;
        using (networks.LockNetwork(networkId))
        {
            if (networks.Find(networkId) is not { } found) return false;
            network = found;
            // Its veths go before the network, and so before its bridge may go.
            duplicates.CancelNetwork(networkId);
            reaper.Finish(network);
            foreach (var endpoint in network.Endpoints.Values) wiring.Unplug(endpoint);
            // Docker would release these after its deletes; nobody will, so they go with the record.
            if (forgotten) ipam.NetworkForgotten(network);
            networks.Remove(network);
            ipam.NetworkDeleted(network);
        }
        // The firewall's part, under the bridge's lock only: the network is gone from the records.
        using (bridges.LockBridge(network.BridgeName))
            bridges.RemoveIfUnused(network.BridgeName);
        logger.LogInformation(forgotten ? "Network {Network} forgotten (l2vlan forget): Docker no longer knows it"
            : "Network {Network} deleted", network.NetworkId);
        return true;
    }

    /// <summary>
    /// Records the endpoint with its addresses and MAC: <paramref name="mac"/>, or else one made from its address.
    /// <c>Known</c> tells a replay of an endpoint that exists already.
    /// </summary>
    public (PhysicalAddress Mac, bool Known) CreateEndpoint(string networkId, string endpointId,
        InterfaceAddress? address, InterfaceAddress? addressIPv6, PhysicalAddress? mac)
    {
        using var held = networks.LockNetwork(networkId);
        var network = Network(networkId);
        if (network.Endpoints.TryGetValue(endpointId, out var known) && !known.Deleted) return (known.MacAddress, true);

        CheckInSubnets(network, address);
        CheckInSubnets(network, addressIPv6);
        var first = address ?? addressIPv6
            ?? throw new UserError("the endpoint has no address; l2vlan networks need one (use --ipam-driver l2vlan " +
                "with --subnet)");

        var endpoint = new EndpointRecord
        {
            EndpointId = endpointId,
            Address = address,
            AddressIPv6 = addressIPv6,
            MacAddress = mac ?? EndpointLinks.MacFor(first.Address),
        };
        var user = new AddressesInUse.User(networkId, endpointId);
        if (networks.Addresses.TryUse(network.BridgeName, user, endpoint.HeldAddresses()) is (var used, var holder))
        {
            throw new UserError($"address {used} is already used on VLAN {network.VlanId} ({network.BridgeName}) of " +
                $"this host by endpoint {Short(holder.EndpointId)} " +
                $"of l2vlan network {Short(holder.NetworkId)}; on one VLAN an address serves one container, " +
                    $"whichever network and IPAM gave it (choose another address, or remove that container first)");
        }
        var replaced = network.Endpoints.GetValueOrDefault(endpointId);
        network.Endpoints[endpointId] = endpoint;
        try
        {
            networks.Save(network);
        }
        catch
        {
            // Not recorded: memory says so too, and the address is free again.
            if (replaced is null) network.Endpoints.Remove(endpointId);
            else network.Endpoints[endpointId] = replaced;
            networks.Addresses.Release(user);
            throw;
        }
        duplicates.Start(network, endpoint, DadByDefault);
        return (endpoint.MacAddress, false);
    }

    /// <summary>Whether a network created without <c>-o dad</c> probes: the policy's <c>dad</c>, on without one.</summary>
    private bool DadByDefault => policy?.Value.Dad ?? true;

    /// <summary>An ID as docker's CLI shows it: its first 12 characters.</summary>
    private static string Short(string id) => id.Length <= 12 ? id : id[..12];

    /// <summary>
    /// Answers before the kernel deletes the veth (an RCU grace period, Driver/VethReaper): the pair is recorded as the
    /// network's to delete in the same save that marks the endpoint deleted, and deleted in the background.
    /// </summary>
    public void DeleteEndpoint(string networkId, string endpointId)
    {
        // After a Join of the endpoint has made its veth: the veth is then recorded, and goes with it.
        using var endpointHeld = networks.LockEndpoint(networkId, endpointId);
        using var held = networks.LockNetwork(networkId);
        duplicates.Cancel(networkId, endpointId);
        if (networks.Find(networkId) is not { } network || !network.Endpoints.TryGetValue(endpointId, out var endpoint))
            return;
        var veth = wiring.UnplugLater(network, endpoint);
        ipam.EndpointDeleted(network, endpoint);
        if (veth is not null) reaper.Enqueue(networkId, veth);
    }

    /// <summary>
    /// Waits for the probe of the endpoint's addresses that its creation started (unless the network has -o dad=off,
    /// or has no -o dad and the policy's dad is off), then makes links with netlink only: the bridge exists while a
    /// network is on it, and its lock is not needed. The wait holds no lock, so Joins probe in parallel, on one
    /// network too; the endpoint is looked up again after.
    /// </summary>
    public JoinResult Join(string networkId, string endpointId)
    {
        DuplicateAddressCheck.Target? probe;
        using (networks.LockNetwork(networkId))
        {
            var probed = JoiningEndpoint(networkId, endpointId, out var network);
            probe = DuplicateAddressCheck.For(network, probed, DadByDefault);
        }
        if (probe is not null) duplicates.Await(endpointId, probe);

        // The endpoint's lock keeps its own delete out while its veth is made; the network's lock is let go for the
        // kernel's work, so Joins of other endpoints of the network record theirs meanwhile.
        using var endpointHeld = networks.LockEndpoint(networkId, endpointId);
        EndpointWiring.PlannedPair pair;
        JoinResult result;
        using (networks.LockNetwork(networkId))
        {
            var endpoint = JoiningEndpoint(networkId, endpointId, out var joined);
            pair = wiring.Record(joined, endpoint);
            var gateway4 = Gateways.For(joined, endpoint.Address);
            var gateway6 = Gateways.For(joined, endpoint.AddressIPv6);
            result = new JoinResult(
                pair.Container,
                joined.Internal ? null : gateway4,
                joined.Internal ? null : gateway6,
                Gateways.Routes(joined, gateway4, gateway6));
        }
        Exception? failed = null;
        try
        {
            wiring.Make(pair);
        }
        catch (Exception e)
        {
            failed = e;
        }
        using (networks.LockNetwork(networkId))
        {
            // Docker deletes no network with a joining endpoint, but l2vlan forget may (its bridge too): nothing the
            // forget did not see stays.
            if (networks.Find(networkId)?.Endpoints.GetValueOrDefault(endpointId)?.HostVeth == pair.Host)
            {
                if (failed is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed);
                return result;
            }
            wiring.Discard(pair);
        }
        throw new UserError($"l2vlan network {networkId} or its endpoint {endpointId} was removed during the Join");
    }

    /// <summary>The endpoint a Join is for; its network's lock is held.</summary>
    private EndpointRecord JoiningEndpoint(string networkId, string endpointId, out NetworkRecord network)
    {
        network = Network(networkId);
        return network.Endpoints.GetValueOrDefault(endpointId) is { Deleted: false } e ? e
            : throw new UserError($"l2vlan network {network.NetworkId} has no endpoint {endpointId}");
    }

    /// <summary>The endpoint and the bridge it is on, or null when l2vlan does not know it.</summary>
    public (string Bridge, EndpointRecord Endpoint)? Endpoint(string networkId, string endpointId)
    {
        using var held = networks.LockNetwork(networkId);
        return networks.Find(networkId) is { } network && network.Endpoints.TryGetValue(endpointId, out var endpoint)
            ? (network.BridgeName, endpoint)
            : null;
    }

    private void CheckMtu(NetworkOptions options)
    {
        if (options.Mtu is not { } mtu) return;
        var parent = links.FindLink(options.ExtIf);
        if (parent is not null && mtu > parent.Mtu)
        {
            throw new UserError($"-o mtu={mtu} is larger than the MTU {parent.Mtu} of {options.ExtIf}; expected at " +
                $"most {parent.Mtu}");
        }
    }

    private static void CheckInSubnets(NetworkRecord network, InterfaceAddress? endpointAddress)
    {
        if (endpointAddress is not { Address: var address }) return;
        if (network.Subnets.Count > 0 && !network.Subnets.Any(s => s.Subnet.Contains(address)))
        {
            throw new UserError($"address {address} is in none of the network's subnets " +
                $"({string.Join(", ", network.Subnets.Select(s => s.Subnet))})");
        }
    }

    private NetworkRecord Network(string id) =>
        networks.Find(id)
            ?? throw new UserError($"l2vlan has no network {id} (was it created while l2vlan's state was lost? see " +
                $"journalctl -u l2vlan)");

    private static bool SameOptions(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
