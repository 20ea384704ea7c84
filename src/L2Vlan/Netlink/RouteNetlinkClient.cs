using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using L2Vlan.Faults;
using static Interop.Netlink;
using static Interop.Rtnetlink;

namespace L2Vlan.Netlink;

/// <summary>
/// <see cref="ILinkControl"/> over rtnetlink. Each call is one synchronous request/answer on the calling thread;
/// calls from several threads take turns. Everything happens in the network namespace the client was opened in.
/// </summary>
public sealed class RouteNetlinkClient : ILinkControl, IDisposable
{
    private const int RequestBufferSize = 1024;

    private readonly NetlinkSocket _netlink;

    /// <summary>Opens a client in the calling thread's network namespace (normally the host's).</summary>
    public RouteNetlinkClient() => _netlink = new NetlinkSocket();

    public LinkInfo? FindLink(string name)
    {
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var request = new NetlinkMessageWriter(buffer, RTM_GETLINK, 0);
        request.Write(new ifinfomsg());
        request.AddString(IFLA_IFNAME, name);
        try
        {
            return _netlink.Request(request.Complete()).Where(m => m.Type == RTM_NEWLINK).Select(ParseLink)
                .FirstOrDefault();
        }
        catch (NetlinkException e) when (e.Errno == Interop.Errno.ENODEV)
        {
            return null;
        }
    }

    public IReadOnlyList<LinkInfo> ListLinks()
    {
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var request = new NetlinkMessageWriter(buffer, RTM_GETLINK, NLM_F_DUMP);
        request.Write(new ifinfomsg());
        return _netlink.Request(request.Complete()).Where(m => m.Type == RTM_NEWLINK).Select(ParseLink).ToList();
    }

    public IReadOnlyList<(IPAddress Address, int PrefixLength)> ListAddresses(int index)
    {
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var request = new NetlinkMessageWriter(buffer, RTM_GETADDR, NLM_F_DUMP);
        request.Write(new ifaddrmsg { ifa_family = AF_UNSPEC });
        var addresses = new List<(IPAddress, int)>();
        foreach (var message in _netlink.Request(request.Complete()))
        {
            if (message.Type != RTM_NEWADDR) continue;
            var header = MemoryMarshal.Read<ifaddrmsg>(message.Payload);
            if (header.ifa_index != (uint)index) continue;
            byte[]? local = null, address = null;
            var attributes = new NetlinkAttributeReader(message.Payload.AsSpan(Unsafe.SizeOf<ifaddrmsg>()));
            while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
            {
                if (type == IFA_LOCAL) local = value.ToArray();
                else if (type == IFA_ADDRESS) address = value.ToArray();
            }
            // On point-to-point links IFA_ADDRESS is the far end; IFA_LOCAL, when present, is ours.
            if ((local ?? address) is byte[] bytes) addresses.Add((new IPAddress(bytes), header.ifa_prefixlen));
        }
        return addresses;
    }

    public void CreateBridge(string name, int? mtu)
    {
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var request = StartNewLink(buffer, name, mtu);
        using (request.Nested(IFLA_LINKINFO))
        {
            request.AddString(IFLA_INFO_KIND, "bridge");
        }
        CreateWithoutIPv6Addresses(request.Complete(), name);
    }

    public void CreateVlan(string name, int parentIndex, int vlanId, int? mtu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vlanId, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vlanId, 4094);
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var request = StartNewLink(buffer, name, mtu);
        request.AddU32(IFLA_LINK, (uint)parentIndex);
        using (request.Nested(IFLA_LINKINFO))
        {
            request.AddString(IFLA_INFO_KIND, "vlan");
            using (request.Nested(IFLA_INFO_DATA))
            {
                request.AddU16(IFLA_VLAN_ID, (ushort)vlanId);
            }
        }
        CreateWithoutIPv6Addresses(request.Complete(), name);
    }

    public void CreateVethPair(string hostName, string peerName, PhysicalAddress? peerMac, int? mtu)
    {
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var request = StartNewLink(buffer, hostName, mtu);
        using (request.Nested(IFLA_LINKINFO))
        {
            request.AddString(IFLA_INFO_KIND, "veth");
            using (request.Nested(IFLA_INFO_DATA))
            using (request.Nested(VETH_INFO_PEER))
            {
                // The peer is described like a link of its own: a fixed header, then attributes.
                request.Write(new ifinfomsg());
                request.AddString(IFLA_IFNAME, peerName);
                if (peerMac is not null)
                    request.AddBytes(IFLA_ADDRESS, peerMac.GetAddressBytes());
                if (mtu is int peerMtu)
                    request.AddU32(IFLA_MTU, (uint)peerMtu);
            }
        }
        // Only the host end: the peer goes into a container, which may want IPv6.
        CreateWithoutIPv6Addresses(request.Complete(), hostName);
    }

    public void SetMaster(int index, int masterIndex)
    {
        KillPoints.Reach(KillPoints.LinkEnslaveBefore);
        SetLinkAttribute(index, IFLA_MASTER, (uint)masterIndex);
        KillPoints.Reach(KillPoints.LinkEnslaveAfter);
    }

    public void SetUp(int index)
    {
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var request = new NetlinkMessageWriter(buffer, RTM_SETLINK, 0);
        request.Write(new ifinfomsg { ifi_index = index, ifi_flags = IFF_UP, ifi_change = IFF_UP });
        _netlink.Request(request.Complete());
    }

    public void SetMtu(int index, int mtu) => SetLinkAttribute(index, IFLA_MTU, (uint)mtu);

    public bool DeleteLink(string name)
    {
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var request = new NetlinkMessageWriter(buffer, RTM_DELLINK, 0);
        request.Write(new ifinfomsg());
        request.AddString(IFLA_IFNAME, name);
        KillPoints.Reach(KillPoints.LinkDeleteBefore);
        try
        {
            _netlink.Request(request.Complete());
            KillPoints.Reach(KillPoints.LinkDeleteAfter);
            return true;
        }
        catch (NetlinkException e) when (e.Errno == Interop.Errno.ENODEV)
        {
            return false;
        }
    }

    public void Dispose() => _netlink.Dispose();

    /// <summary>Sends one raw request and returns the answer's data messages (for diagnostics and tests).</summary>
    internal IReadOnlyList<NetlinkMessage> Request(Span<byte> request) => _netlink.Request(request);

    /// <summary>
    /// Parses an RTM_NEWLINK message. <see cref="LinkInfo.ParentIndex"/> is IFLA_LINK: the lower device of a VLAN,
    /// the peer of a veth; it is left null when it names a link in another namespace.
    /// </summary>
    internal static LinkInfo ParseLink(NetlinkMessage message)
    {
        var header = MemoryMarshal.Read<ifinfomsg>(message.Payload);
        string name = "", kind = "";
        int mtu = 0;
        PhysicalAddress? mac = null;
        int? master = null, parent = null, vlanId = null;
        bool parentInOtherNamespace = false;
        var attributes = new NetlinkAttributeReader(message.Payload.AsSpan(Unsafe.SizeOf<ifinfomsg>()));
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case IFLA_IFNAME: name = NetlinkAttributeReader.ReadString(value); break;
                case IFLA_MTU: mtu = (int)NetlinkAttributeReader.ReadU32(value); break;
                case IFLA_ADDRESS: mac = value.IsEmpty ? null : new PhysicalAddress(value.ToArray()); break;
                case IFLA_MASTER: master = (int)NetlinkAttributeReader.ReadU32(value); break;
                case IFLA_LINK: parent = (int)NetlinkAttributeReader.ReadU32(value); break;
                case IFLA_LINK_NETNSID: parentInOtherNamespace = true; break;
                case IFLA_LINKINFO: (kind, vlanId) = ParseLinkInfo(value); break;
            }
        }
        return new LinkInfo(
            header.ifi_index,
            name,
            kind,
            IsUp: (header.ifi_flags & IFF_UP) != 0,
            mtu,
            mac,
            master,
            parentInOtherNamespace ? null : parent,
            vlanId,
            IsLoopback: (header.ifi_flags & IFF_LOOPBACK) != 0);
    }

    private static (string Kind, int? VlanId) ParseLinkInfo(ReadOnlySpan<byte> linkInfo)
    {
        string kind = "";
        int? vlanId = null;
        var attributes = new NetlinkAttributeReader(linkInfo);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            if (type == IFLA_INFO_KIND)
            {
                kind = NetlinkAttributeReader.ReadString(value);
            }
            else if (type == IFLA_INFO_DATA && kind == "vlan")
            {
                var data = new NetlinkAttributeReader(value);
                while (data.TryRead(out ushort dataType, out ReadOnlySpan<byte> dataValue))
                {
                    if (dataType == IFLA_VLAN_ID)
                        vlanId = NetlinkAttributeReader.ReadU16(dataValue);
                }
            }
        }
        return (kind, vlanId);
    }

    private static NetlinkMessageWriter StartNewLink(Span<byte> buffer, string name, int? mtu)
    {
        var request = new NetlinkMessageWriter(buffer, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        request.Write(new ifinfomsg());
        request.AddString(IFLA_IFNAME, name);
        if (mtu is int value)
            request.AddU32(IFLA_MTU, (uint)value);
        return request;
    }

    /// <summary>One RTM_SETLINK that sets a 32-bit attribute of the link <paramref name="index"/>.</summary>
    private void SetLinkAttribute(int index, ushort attribute, uint value)
    {
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var request = new NetlinkMessageWriter(buffer, RTM_SETLINK, 0);
        request.Write(new ifinfomsg { ifi_index = index });
        request.AddU32(attribute, value);
        _netlink.Request(request.Complete());
    }

    /// <summary>
    /// Creates the link, then turns IPv6 address generation off before anything can bring it up.
    /// A separate request because the kernel refuses IFLA_AF_SPEC in a creating RTM_NEWLINK
    /// (EAFNOSUPPORT on 6.18: the link has no IPv6 state yet). If that second step fails,
    /// the half-made link is removed again.
    /// </summary>
    private void CreateWithoutIPv6Addresses(Span<byte> newLink, string name)
    {
        KillPoints.Reach(KillPoints.LinkCreateBefore);
        _netlink.Request(newLink);
        try
        {
            DisableIPv6AddressGeneration(name);
        }
        catch
        {
            DeleteLink(name);
            throw;
        }
        KillPoints.Reach(KillPoints.LinkCreateAfter);
    }

    private void DisableIPv6AddressGeneration(string name)
    {
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var request = new NetlinkMessageWriter(buffer, RTM_SETLINK, 0);
        request.Write(new ifinfomsg());
        request.AddString(IFLA_IFNAME, name);
        AddIPv6AddressGenerationNone(ref request);
        try
        {
            _netlink.Request(request.Complete());
        }
        catch (NetlinkException e) when (e.Errno == Interop.Errno.EAFNOSUPPORT)
        {
            // The link has no IPv6 state (IPv6 disabled, or an MTU below 1280), so no address can appear.
        }
    }

    private static void AddIPv6AddressGenerationNone(ref NetlinkMessageWriter request)
    {
        using (request.Nested(IFLA_AF_SPEC))
        using (request.Nested(AF_INET6))
        {
            request.AddU8(IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
        }
    }
}
