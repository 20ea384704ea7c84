using System.Net;
using System.Net.NetworkInformation;
using L2Vlan.Netlink;
using L2Vlan.Packets;

namespace L2Vlan.Tests.Fakes;

/// <summary>
/// An in-memory kernel for driver tests: links with kinds, masters, parents, MTUs and addresses, the announcements sent
/// out of them, and stations on the wire that hold addresses.
/// Each call is atomic, as a netlink request is: the service calls it from several threads at once.
/// </summary>
internal sealed class FakeLinkControl : ILinkControl, IArpAnnouncer, IAddressProber
{
    private readonly Dictionary<string, LinkInfo> _links = new(StringComparer.Ordinal);
    private readonly Dictionary<int, List<(IPAddress Address, int PrefixLength)>> _addresses = [];
    private readonly Lock _gate = new();
    private int _nextIndex = 1;

    public List<(string Link, PhysicalAddress Mac, IPAddress Address)> Announcements { get; } = [];

    /// <summary>Stations on the wire, by the address they hold: they answer every probe for it.</summary>
    public Dictionary<IPAddress, PhysicalAddress> Holders { get; } = [];

    /// <summary>The duplicate address probes sent, by the link's index.</summary>
    public List<(int LinkIndex, PhysicalAddress Mac, IReadOnlyList<IPAddress> Addresses)> Probes { get; } = [];

    /// <summary>Runs while a probe "waits on the wire", with no lock of the fake held; tests that need two probes at
    /// once block here.</summary>
    public Action<CancellationToken>? DuringProbe { get; set; }

    public TimeSpan Duration => TimeSpan.FromMilliseconds(250);

    public LinkInfo AddNic(string name, int mtu = 1500, string kind = "")
    {
        // A NIC's own MAC, unique among the fake's links: 52:54:00:00:00:<index>.
        lock (_gate)
            return Add(name, kind, mtu, new PhysicalAddress([0x52, 0x54, 0, 0, 0, (byte)_nextIndex]), null, null);
    }

    /// <summary>The loopback, as every namespace has it.</summary>
    public LinkInfo AddLoopback()
    {
        using var held = _gate.EnterScope();
        var link = Add("lo", "", 65536, null, null, null) with { IsLoopback = true };
        return _links[link.Name] = link;
    }

    public LinkInfo? FindLink(string name)
    {
        lock (_gate) return _links.GetValueOrDefault(name);
    }

    public IReadOnlyList<LinkInfo> ListLinks()
    {
        lock (_gate) return _links.Values.OrderBy(l => l.Index).ToList();
    }

    public IReadOnlyList<(IPAddress Address, int PrefixLength)> ListAddresses(int index)
    {
        lock (_gate) return _addresses.TryGetValue(index, out var addresses) ? addresses.ToList() : [];
    }

    /// <summary>As <c>ip addr add</c>: what the host (or the kernel, for IPv6 link-local) put on a link.</summary>
    public void AddAddress(string link, string address, int prefixLength)
    {
        using var held = _gate.EnterScope();
        var index = _links[link].Index;
        if (!_addresses.TryGetValue(index, out var addresses)) _addresses[index] = addresses = [];
        addresses.Add((IPAddress.Parse(address), prefixLength));
    }

    public void CreateBridge(string name, int? mtu)
    {
        lock (_gate) Add(name, "bridge", mtu ?? 1500, null, null, null);
    }

    public void CreateVlan(string name, int parentIndex, int vlanId, int? mtu)
    {
        // Like the kernel: a VLAN sub-interface takes its parent's MAC and MTU.
        lock (_gate) Add(name, "vlan", mtu ?? ByIndex(parentIndex).Mtu, ByIndex(parentIndex).Mac, parentIndex, vlanId);
    }

    /// <summary>Called with the host end's name before each veth pair is made, outside the fake's lock.</summary>
    public Action<string>? BeforeCreateVeth { get; set; }

    public void CreateVethPair(string hostName, string peerName, PhysicalAddress? peerMac, int? mtu)
    {
        BeforeCreateVeth?.Invoke(hostName);
        using var held = _gate.EnterScope();
        if (_links.ContainsKey(hostName) || _links.ContainsKey(peerName)) throw new InvalidOperationException("EEXIST");
        var host = Add(hostName, "veth", mtu ?? 1500, null, null, null);
        Add(peerName, "veth", mtu ?? 1500, peerMac, host.Index, null);
    }

    public void SetMaster(int index, int masterIndex) => Replace(index, l => l with { MasterIndex = masterIndex });

    public void SetUp(int index) => Replace(index, l => l with { IsUp = true });

    public void SetMtu(int index, int mtu) => Replace(index, l => l with { Mtu = mtu });

    /// <summary>Called with the name before and after each delete, outside the fake's lock: a test may hold a thread
    /// there.</summary>
    public Action<string>? BeforeDelete { get; set; }
    public Action<string>? AfterDelete { get; set; }

    public bool DeleteLink(string name)
    {
        BeforeDelete?.Invoke(name);
        var deleted = DeleteNow(name);
        AfterDelete?.Invoke(name);
        return deleted;
    }

    private bool DeleteNow(string name)
    {
        using var held = _gate.EnterScope();
        if (!_links.Remove(name, out var link)) return false;
        _addresses.Remove(link.Index);
        // Like the kernel: a deleted bridge releases its ports.
        foreach (var port in _links.Values.Where(l => l.MasterIndex == link.Index).ToList())
            _links[port.Name] = port with { MasterIndex = null };
        // Like the kernel: a veth takes its peer with it.
        if (link.Kind == "veth")
        {
            var peers = _links.Values
                .Where(l => l.Kind == "veth" && (l.ParentIndex == link.Index || link.ParentIndex == l.Index))
                .ToList();
            foreach (var peer in peers)
                _links.Remove(peer.Name);
        }
        return true;
    }

    public void Announce(int linkIndex, PhysicalAddress mac, IPAddress address)
    {
        using var held = _gate.EnterScope();
        Announcements.Add((ByIndex(linkIndex).Name, mac, address));
    }

    public AddressClaim? Probe(int linkIndex, PhysicalAddress mac, IReadOnlyList<IPAddress> addresses,
        CancellationToken cancel = default)
    {
        lock (_gate) Probes.Add((linkIndex, mac, addresses));
        DuringProbe?.Invoke(cancel);
        if (cancel.IsCancellationRequested) return null;
        lock (_gate)
            return addresses.Where(Holders.ContainsKey).Select(a => new AddressClaim(a, Holders[a])).FirstOrDefault();
    }

    private LinkInfo Add(string name, string kind, int mtu, PhysicalAddress? mac, int? parent, int? vlan)
    {
        if (_links.ContainsKey(name)) throw new InvalidOperationException($"EEXIST {name}");
        var link = new LinkInfo(_nextIndex++, name, kind, false, mtu, mac, null, parent, vlan);
        _links[name] = link;
        return link;
    }

    private LinkInfo ByIndex(int index) => _links.Values.Single(l => l.Index == index);

    private void Replace(int index, Func<LinkInfo, LinkInfo> change)
    {
        using var held = _gate.EnterScope();
        var link = ByIndex(index);
        _links[link.Name] = change(link);
    }
}
