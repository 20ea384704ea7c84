using L2Vlan.Domain;
using L2Vlan.Netlink;
using static L2Vlan.Driver.NetworkOptionsParser;

namespace L2Vlan.Driver;

/// <summary>
/// The links l2vlan finds on the host rather than makes, and when it may use them, checked before anything is made.
/// <c>ext_if</c> is the NIC that carries the VLAN: not the loopback, not a bridge (docker0, Docker's br-…, l2vlan's
/// own), not a VLAN sub-interface of a bridge, not a container's veth (a veth that is a bridge's port). A VLAN
/// sub-interface that exists and that l2vlan did not make, such as the host's own management VLAN, is put on l2vlan's
/// bridge only when nothing else uses it: the host has no address on it (the kernel's own IPv6 link-local one aside),
/// it is no other bridge's or bond's port, and no link is made on top of it. l2vlan never changes the MTU of a link it
/// did not make, and never deletes one (BridgeLinks.Remove).
/// </summary>
public static class ForeignLinks
{
    private const string ExpectedNic = "expected the NIC that carries the VLAN (a network card or a bond, or a VLAN " +
        "sub-interface of one)";

    /// <summary>Refuses an <c>ext_if</c> that is no NIC; a missing one is said where the links are made.</summary>
    public static void CheckExtIf(ILinkControl links, NetworkOptions options)
    {
        if (links.FindLink(options.ExtIf) is not { } nic) return;
        var option = $"-o {ExtIfOption}={options.ExtIf}";
        if (nic.IsLoopback) throw new UserError($"{option} is the loopback; {ExpectedNic}");
        if (nic.Kind == "bridge")
        {
            throw new UserError($"{option} is a bridge; {ExpectedNic}. l2vlan makes the VLAN's bridge itself (-o " +
                $"{BridgeNameOption})");
        }
        var all = links.ListLinks();
        if (nic.Kind == "veth" && nic.MasterIndex is { } master)
            throw new UserError($"{option} is a container's veth, a port of {NameOf(all, master)}; {ExpectedNic}");
        var lower = nic;
        var seen = new HashSet<int>();
        while (lower.Kind == "vlan" && lower.ParentIndex is { } parentIndex && seen.Add(lower.Index)
               && all.FirstOrDefault(l => l.Index == parentIndex) is { } parent)
        {
            if (parent.Kind == "bridge")
                throw new UserError($"{option} is a VLAN sub-interface of bridge {parent.Name}; {ExpectedNic}");
            lower = parent;
        }
    }

    /// <summary>
    /// <paramref name="vlan"/> exists, has no record of l2vlan's making, and is to become a port of
    /// <paramref name="bridge"/> (null while that bridge does not exist): it must be this VLAN of this NIC, and
    /// unused. <paramref name="mtu"/>: the MTU the network asks for, which l2vlan would have to set on it.
    /// </summary>
    public static void CheckUnusedVlanLink(ILinkControl links, LinkInfo vlan, string extIf, int vlanId, int? mtu,
        LinkInfo? bridge)
    {
        if (links.FindLink(extIf) is { } nic) CheckIsVlanOf(vlan, nic, vlanId);
        var all = links.ListLinks();
        var found = $"-o {ExtIfOption}={extIf} -o {VlanIdOption}={vlanId}: the VLAN sub-interface {vlan.Name} " +
            $"exists, l2vlan did not make it, and";
        const string rule = "l2vlan puts a sub-interface it did not make on its bridge only when nothing else uses " +
            "it " +
            "(no address, no other bridge or bond, no link on it)";
        if (vlan.MasterIndex is { } master && master != bridge?.Index)
            throw new UserError($"{found} it is a port of {NameOf(all, master)}; {rule}");
        var address = links.ListAddresses(vlan.Index).Select(a => a.Address).FirstOrDefault(a => !a.IsIPv6LinkLocal);
        if (address is not null)
        {
            throw new UserError($"{found} the host has the address {address} on it; {rule}. A VLAN the host itself " +
                $"uses cannot also be the containers' (use another VLAN)");
        }
        if (all.FirstOrDefault(l => l.ParentIndex == vlan.Index && l.Kind != "veth") is { } upper)
            throw new UserError($"{found} {upper.Name} (a {KindText(upper)}) is made on it; {rule}");
        CheckMtuKept(vlan, mtu);
    }

    /// <summary>The link of the sub-interface's name is VLAN <paramref name="vlanId"/> of
    /// <paramref name="nic"/>.</summary>
    public static void CheckIsVlanOf(LinkInfo vlan, LinkInfo nic, int vlanId)
    {
        if (vlan.Kind != "vlan" || vlan.VlanId != vlanId || vlan.ParentIndex != nic.Index)
        {
            throw new UserError($"{vlan.Name} exists but is not VLAN {vlanId} of {nic.Name} (it is a " +
                $"{KindText(vlan)}); remove or rename it");
        }
    }

    /// <summary>Refuses an MTU that l2vlan would have to set on a link it did not make.</summary>
    public static void CheckMtuKept(LinkInfo link, int? mtu)
    {
        if (mtu is { } wanted && wanted != link.Mtu)
        {
            throw new UserError($"-o {MtuOption}={wanted}: {link.Name} exists with MTU {link.Mtu} and l2vlan did not " +
                $"make it; l2vlan does not change " +
                $"the MTU of a link it did not make (leave out -o {MtuOption}, give -o {MtuOption}={link.Mtu}, or " +
                    $"set {link.Name}'s MTU yourself)");
        }
    }

    public static string KindText(LinkInfo link) => link.Kind.Length == 0 ? "plain device" : link.Kind;

    private static string NameOf(IReadOnlyList<LinkInfo> all, int index) =>
        all.FirstOrDefault(l => l.Index == index)?.Name ?? $"link {index}";
}
