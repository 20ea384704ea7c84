using L2Vlan.Domain;
using L2Vlan.Firewall;
using L2Vlan.Netlink;
using L2Vlan.Policy;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// Makes the kernel match a <see cref="BridgeRecord"/>: the bridge, the 802.1Q sub-interface as its
/// port, both up and without addresses, and the firewall rule; and takes down exactly what the record
/// says l2vlan made. The caller persists the record before <see cref="Ensure"/> creates anything, and
/// <see cref="Ensure"/> saves what it learns on the way through the caller's <c>save</c>.
/// <para>
/// With the policy's <c>nftables_chain</c> set, a bridge also gets an accept rule in that chain of the administrator's.
/// The chain is recorded with the bridge before the rule goes in, and the rule is removed from the recorded chain when
/// the bridge goes: a policy changed since moves no rule. A bridge recorded without one gets it the next time its links
/// are made (a start, a replayed create, a repair).
/// </para>
/// </summary>
public sealed class BridgeLinks(
    ILinkControl links,
    IFirewall firewall,
    ILogger<BridgeLinks> logger,
    CurrentPolicy? policy = null,
    INftablesRules? nftables = null)
{
    /// <summary>
    /// Creates what is missing; <paramref name="save"/> persists the record whenever it changes.
    /// <paramref name="ruleListed"/>: start-up's listing of the firewall showed the rule, so it is not asked for again
    /// (an iptables call per bridge costs more as the rules grow: minutes at 4,094 bridges).
    /// </summary>
    public void Ensure(BridgeRecord record, Action<BridgeRecord> save, bool ruleListed = false)
    {
        var bridge = links.FindLink(record.Name);
        if (bridge is null)
        {
            links.CreateBridge(record.Name, record.Mtu);
            bridge = links.FindLink(record.Name) ?? throw new InvalidOperationException($"bridge {record.Name} " +
                $"vanished right after it was created");
            logger.LogInformation("Created bridge {Bridge}", record.Name);
            if (!record.CreatedBridge)
            {
                // Someone else's bridge was there when the record was made and is gone: this one is l2vlan's.
                record.CreatedBridge = true;
                save(record);
            }
        }
        else if (bridge.Kind != "bridge")
        {
            throw new UserError($"-o bridge_name={record.Name}: an interface of that name exists and is not a bridge " +
                $"(it is a {ForeignLinks.KindText(bridge)})");
        }

        var parent = links.FindLink(record.ExtIf)
            ?? throw new UserError($"-o ext_if={record.ExtIf}: no such interface on this host");
        if (!parent.IsUp)
            logger.LogWarning("{ExtIf} is down; the VLAN carries no traffic until it is up", record.ExtIf);

        var vlan = links.FindLink(record.VlanLink);
        if (vlan is null)
        {
            links.CreateVlan(record.VlanLink, parent.Index, record.VlanId, record.Mtu);
            vlan = links.FindLink(record.VlanLink) ?? throw new InvalidOperationException($"{record.VlanLink} " +
                $"vanished right after it was created");
            logger.LogInformation("Created VLAN sub-interface {VlanLink}", record.VlanLink);
            if (!record.CreatedVlanLink)
            {
                record.CreatedVlanLink = true;
                save(record);
            }
        }
        else
        {
            ForeignLinks.CheckIsVlanOf(vlan, parent, record.VlanId);
        }

        if (vlan.MasterIndex != bridge.Index)
        {
            // Someone else's sub-interface, made again since (its NIC came back), is checked as at the create.
            if (!record.CreatedVlanLink)
                ForeignLinks.CheckUnusedVlanLink(links, vlan, record.ExtIf, record.VlanId, mtu: null, bridge);
            if (vlan.MasterIndex is { } other)
            {
                throw new UserError($"{record.VlanLink} is already a port of " +
                    $"{links.ListLinks().FirstOrDefault(l => l.Index == other)?.Name ?? $"link {other}"}; one VLAN " +
                        $"can serve one bridge (use that bridge_name)");
            }
            links.SetMaster(vlan.Index, bridge.Index);
        }
        // Only on links l2vlan made: it never changes, and so never has to restore, another's MTU.
        if (record.Mtu is { } mtu)
        {
            if (record.CreatedBridge && bridge.Mtu != mtu) links.SetMtu(bridge.Index, mtu);
            if (record.CreatedVlanLink && vlan.Mtu != mtu) links.SetMtu(vlan.Index, mtu);
        }
        links.SetUp(vlan.Index);
        links.SetUp(bridge.Index);

        // Recorded before it is inserted: a kill in between leaves a record of a rule that may be missing,
        // which start-up inserts or removes, and never a rule that no record knows of.
        if (!record.FirewallAccept)
        {
            record.FirewallAccept = true;
            save(record);
        }
        if (!ruleListed) firewall.AllowBridged(record.Name);
        EnsureNftablesRule(record, save);
    }

    /// <summary>
    /// The chain the bridge's nftables rule is in, or goes into: the recorded one, else the policy's.
    /// </summary>
    private NftablesChain? ChainOf(BridgeRecord record) =>
        record.NftablesChain is { } recorded ? NftablesChain.TryParse(recorded) : policy?.Value.NftablesChain;

    /// <summary>
    /// Asked of nft every time: the iptables listing that spares <see cref="Ensure"/> its call says nothing of it.
    /// </summary>
    private void EnsureNftablesRule(BridgeRecord record, Action<BridgeRecord> save)
    {
        if (nftables is null || ChainOf(record) is not { } chain) return;
        if (record.NftablesChain is null)
        {
            record.NftablesChain = chain.ToString();
            save(record);
        }
        nftables.Allow(chain, record.Name);
    }

    /// <summary>
    /// Everything <see cref="Ensure"/> would make or change is already as the record says, in the snapshot: the bridge
    /// and the VLAN link exist, are of their kind, up, joined, of the record's MTU, and the rule is in place. A NIC
    /// that is down is said, as <see cref="Ensure"/> says it.
    /// </summary>
    public bool InPlace(BridgeRecord record, LinkSnapshot kernel)
    {
        if (kernel.Find(record.Name) is not { Kind: "bridge", IsUp: true } bridge) return false;
        if (kernel.Find(record.ExtIf) is not { } parent) return false;
        if (kernel.Find(record.VlanLink) is not { Kind: "vlan", IsUp: true } vlan) return false;
        if (vlan.VlanId != record.VlanId || vlan.ParentIndex != parent.Index || vlan.MasterIndex != bridge.Index)
            return false;
        if (record.Mtu is { } mtu
            && ((record.CreatedBridge && bridge.Mtu != mtu) || (record.CreatedVlanLink && vlan.Mtu != mtu)))
        {
            return false;
        }
        if (!record.FirewallAccept || !kernel.Allowed(record.Name)) return false;
        if (nftables is not null && ChainOf(record) is { } chain
            && (record.NftablesChain is null || !kernel.Allowed(chain, record.Name)))
        {
            return false;
        }
        if (!parent.IsUp)
            logger.LogWarning("{ExtIf} is down; the VLAN carries no traffic until it is up", record.ExtIf);
        return true;
    }

    /// <summary>The bridges whose firewall rule is in place, in one listing; null when not known.</summary>
    public IReadOnlySet<string>? AllowedBridges() => firewall.AllowedBridges();

    /// <summary>The bridges whose rule is in the nftables chain, in one listing; null when not known.</summary>
    public IReadOnlySet<string>? AllowedBridges(NftablesChain chain) => nftables?.AllowedBridges(chain);

    /// <summary>Puts a container's host-side veth back on the bridge, e.g. after the bridge was re-created.</summary>
    public void Attach(string hostVeth, string bridgeName)
    {
        var bridge = links.FindLink(bridgeName) ?? throw new InvalidOperationException($"bridge {bridgeName} is " +
            $"missing");
        var veth = links.FindLink(hostVeth) ?? throw new InvalidOperationException($"veth {hostVeth} is missing");
        if (veth.MasterIndex != bridge.Index) links.SetMaster(veth.Index, bridge.Index);
        links.SetUp(veth.Index);
    }

    /// <summary>
    /// Removes the firewall rule and the links the record says l2vlan made; never anything else. When the rule
    /// cannot be confirmed gone, nothing is removed and this throws: the caller keeps the record, and a later
    /// removal (the next start, or the next delete of a network on the bridge) tries again.
    /// </summary>
    public void Remove(BridgeRecord record)
    {
        if (record.FirewallAccept)
        {
            try
            {
                firewall.RemoveBridged(record.Name);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"bridge {record.Name} is kept until its firewall rule is " +
                    $"removed (tried again at the next start): {e.Message}", e);
            }
        }
        if (record.NftablesChain is { } recorded) RemoveNftablesRule(record.Name, recorded);
        if (record.CreatedVlanLink) DeleteIfKind(record.VlanLink, "vlan");
        if (record.CreatedBridge) DeleteIfKind(record.Name, "bridge");
    }

    private void RemoveNftablesRule(string bridge, string recorded)
    {
        if (NftablesChain.TryParse(recorded) is not { } chain)
        {
            throw new InvalidOperationException(
                $"bridge {bridge} records the nftables chain '{recorded}', which is not one; its record is kept");
        }
        if (nftables is null)
        {
            throw new InvalidOperationException(
                $"bridge {bridge} is kept until its nftables rule in {chain} is removed, and this service has no nft");
        }
        try
        {
            nftables.Remove(chain, bridge);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"bridge {bridge} is kept until its nftables rule in {chain} is " +
                $"removed (tried again at the next start): {e.Message}", e);
        }
    }

    private void DeleteIfKind(string name, string kind)
    {
        var link = links.FindLink(name);
        if (link is null) return;
        if (link.Kind != kind)
        {
            logger.LogWarning("{Name} is now a {Kind}, not the {Expected} l2vlan made; leaving it alone", name,
                ForeignLinks.KindText(link), kind);
            return;
        }
        links.DeleteLink(name);
        logger.LogInformation("Deleted {Kind} {Name}", kind, name);
    }
}
