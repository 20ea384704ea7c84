using System.Runtime.InteropServices;
using L2Vlan.Netlink;
using static Interop.Rtnetlink;

namespace L2Vlan.Tests.Netlink;

/// <summary>rtnetlink requests that only the tests make: the product never moves links.</summary>
internal static class RouteNetlinkClientExtensions
{
    private const int RequestBufferSize = 1024;

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
