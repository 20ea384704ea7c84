using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using L2Vlan.Netlink;
using static Interop.Netlink;
using static Interop.Rtnetlink;

namespace L2Vlan.Tests.Netlink;

/// <summary>rtnetlink requests that only the tests make: the product never moves links.</summary>
internal static class RouteNetlinkClientExtensions
{
    private const int RequestBufferSize = 1024;

    /// <summary>Moves the link into the network namespace <paramref name="networkNamespace"/> (an open /proc/…/ns/net
    /// file).</summary>
    public static void MoveToNamespace(this RouteNetlinkClient client, int index, SafeHandle networkNamespace)
    {
        var added = false;
        try
        {
            networkNamespace.DangerousAddRef(ref added);
            Span<byte> buffer = stackalloc byte[RequestBufferSize];
            var request = new NetlinkMessageWriter(buffer, RTM_SETLINK, 0);
            request.Write(new ifinfomsg { ifi_index = index });
            request.AddU32(IFLA_NET_NS_FD, (uint)networkNamespace.DangerousGetHandle());
            client.Request(request.Complete());
        }
        finally
        {
            if (added) networkNamespace.DangerousRelease();
        }
    }

    /// <summary>Gives the link an address at once usable: IPv6 skips duplicate address detection
    /// (IFA_F_NODAD).</summary>
    public static void AddAddress(this RouteNetlinkClient client, int index, IPAddress address, int prefixLength)
    {
        const byte IFA_F_NODAD = 0x02;
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var request = new NetlinkMessageWriter(buffer, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        request.Write(new ifaddrmsg
        {
            ifa_family = v6 ? AF_INET6 : AF_INET,
            ifa_prefixlen = (byte)prefixLength,
            ifa_flags = v6 ? IFA_F_NODAD : (byte)0,
            ifa_index = (uint)index,
        });
        request.AddBytes(IFA_LOCAL, address.GetAddressBytes());
        request.AddBytes(IFA_ADDRESS, address.GetAddressBytes());
        client.Request(request.Complete());
    }
}
