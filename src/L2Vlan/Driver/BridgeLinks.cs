using L2Vlan.Domain;
using L2Vlan.Firewall;
using L2Vlan.Netlink;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// Makes the kernel match a <see cref="BridgeRecord"/>: the bridge, the 802.1Q sub-interface as its
/// port, both up and without addresses, and the firewall rule; and takes down exactly what the record
/// says l2vlan made. The caller persists the record before <see cref="Ensure"/> creates anything.
/// </summary>
public sealed class BridgeLinks(ILinkControl links, IFirewall firewall, ILogger<BridgeLinks> logger)
{
    /// <summary>Creates what is missing; returns true when the record changed (ownership learned) and must be saved.</summary>
    public bool Ensure(BridgeRecord record)
    {
        var changed = false;
        var bridge = links.FindLink(record.Name);
        if (bridge is null)
        {
            links.CreateBridge(record.Name, record.Mtu);
            bridge = links.FindLink(record.Name) ?? throw new InvalidOperationException($"bridge {record.Name} vanished right after it was created");
            logger.LogInformation("Created bridge {Bridge}", record.Name);
            changed |= !record.CreatedBridge;
            record.CreatedBridge = true;
        }
        else if (bridge.Kind != "bridge")
        {
            throw new UserError($"-o bridge_name={record.Name}: an interface of that name exists and is not a bridge (it is a {KindText(bridge)})");
        }

        var parent = links.FindLink(record.ExtIf)
            ?? throw new UserError($"-o ext_if={record.ExtIf}: no such interface on this host");
        if (!parent.IsUp) logger.LogWarning("{ExtIf} is down; the VLAN carries no traffic until it is up", record.ExtIf);

        var vlan = links.FindLink(record.VlanLink);
        if (vlan is null)
        {
            links.CreateVlan(record.VlanLink, parent.Index, record.VlanId, record.Mtu);
            vlan = links.FindLink(record.VlanLink) ?? throw new InvalidOperationException($"{record.VlanLink} vanished right after it was created");
            logger.LogInformation("Created VLAN sub-interface {VlanLink}", record.VlanLink);
            changed |= !record.CreatedVlanLink;
            record.CreatedVlanLink = true;
        }
        else if (vlan.Kind != "vlan" || vlan.VlanId != record.VlanId || vlan.ParentIndex != parent.Index)
        {
            throw new UserError($"{record.VlanLink} exists but is not VLAN {record.VlanId} of {record.ExtIf} (it is a {KindText(vlan)}); remove or rename it");
        }

        if (vlan.MasterIndex != bridge.Index)
        {
            if (vlan.MasterIndex is { } other)
                throw new UserError($"{record.VlanLink} is already a port of {links.ListLinks().FirstOrDefault(l => l.Index == other)?.Name ?? $"link {other}"}; one VLAN can serve one bridge (use that bridge_name)");
            links.SetMaster(vlan.Index, bridge.Index);
        }
        if (record.Mtu is { } mtu)
        {
            if (bridge.Mtu != mtu) links.SetMtu(bridge.Index, mtu);
            if (vlan.Mtu != mtu) links.SetMtu(vlan.Index, mtu);
        }
        links.SetUp(vlan.Index);
        links.SetUp(bridge.Index);

        firewall.AllowBridged(record.Name);
        changed |= !record.FirewallAccept;
        record.FirewallAccept = true;
        return changed;
    }

    /// <summary>Puts a container's host-side veth back on the bridge, e.g. after the bridge was re-created.</summary>
    public void Attach(string hostVeth, string bridgeName)
    {
        var bridge = links.FindLink(bridgeName) ?? throw new InvalidOperationException($"bridge {bridgeName} is missing");
        var veth = links.FindLink(hostVeth) ?? throw new InvalidOperationException($"veth {hostVeth} is missing");
        if (veth.MasterIndex != bridge.Index) links.SetMaster(veth.Index, bridge.Index);
        links.SetUp(veth.Index);
    }

    /// <summary>Removes the firewall rule and the links the record says l2vlan made; never anything else.</summary>
    public void Remove(BridgeRecord record)
    {
        if (record.FirewallAccept) firewall.RemoveBridged(record.Name);
        if (record.CreatedVlanLink) DeleteIfKind(record.VlanLink, "vlan");
        if (record.CreatedBridge) DeleteIfKind(record.Name, "bridge");
    }

    private void DeleteIfKind(string name, string kind)
    {
        var link = links.FindLink(name);
        if (link is null) return;
        if (link.Kind != kind)
        {
            logger.LogWarning("{Name} is now a {Kind}, not the {Expected} l2vlan made; leaving it alone", name, KindText(link), kind);
            return;
        }
        links.DeleteLink(name);
        logger.LogInformation("Deleted {Kind} {Name}", kind, name);
    }

    private static string KindText(LinkInfo link) => link.Kind.Length == 0 ? "plain device" : link.Kind;
}
