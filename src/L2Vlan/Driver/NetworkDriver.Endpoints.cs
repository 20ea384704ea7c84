using System.Net.NetworkInformation;
using L2Vlan.Domain;
using L2Vlan.State;

namespace L2Vlan.Driver;

/// <summary>Endpoints: recorded with their addresses and MAC, joined (probed, wired), deleted.</summary>
public sealed partial class NetworkDriver
{
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

    private static void CheckInSubnets(NetworkRecord network, InterfaceAddress? endpointAddress)
    {
        if (endpointAddress is not { Address: var address }) return;
        if (network.Subnets.Count > 0 && !network.Subnets.Any(s => s.Subnet.Contains(address)))
        {
            throw new UserError($"address {address} is in none of the network's subnets " +
                $"({string.Join(", ", network.Subnets.Select(s => s.Subnet))})");
        }
    }

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
}
