using L2Vlan.Domain;
using L2Vlan.Firewall;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>Networks: created on a bridge (made or shared), replayed, deleted or forgotten.</summary>
public sealed partial class NetworkDriver
{
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
        var options = NetworkOptionsParser.Parse(
            spec.Options, name => links.FindLink(name) is not null, ParentFile.Read);
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

    private static bool SameOptions(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

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
}
