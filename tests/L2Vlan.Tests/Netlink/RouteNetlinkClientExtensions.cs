using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using L2Vlan.Netlink;
using static Interop.Netlink;
using static Interop.Rtnetlink;

namespace L2Vlan.Tests.Netlink;

/// <summary>rtnetlink requests that only the tests make: the product never reads addresses nor moves links.</summary>
internal static class RouteNetlinkClientExtensions
{
    private const int RequestBufferSize = 1024;

    /// <summary>Every address (IPv4 and IPv6, any scope) on the link.</summary>
    public static IReadOnlyList<(IPAddress Address, int PrefixLength)> ListAddresses(this RouteNetlinkClient client, int index)
    {
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var request = new NetlinkMessageWriter(buffer, RTM_GETADDR, NLM_F_DUMP);
        request.Write(new ifaddrmsg { ifa_family = AF_UNSPEC });
        var addresses = new List<(IPAddress, int)>();
        foreach (var message in client.Request(request.Complete()))
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

    /// <summary>Moves the link into the network namespace <paramref name="networkNamespace"/> (an open /proc/…/ns/net file).</summary>
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
}
