using System.Net;
using System.Net.Sockets;
using L2Vlan.Domain;
using L2Vlan.Ipam;

namespace L2Vlan.Protocol;

/// <summary>Docker's IpamDriver messages as calls of <see cref="IpamService"/>, and its results as replies.</summary>
public sealed class IpamCalls(IpamService ipam)
{
    /// <summary>The one address space l2vlan has, local and global alike.</summary>
    public const string AddressSpace = "l2vlan";

    public RequestPoolResponse RequestPool(RequestPoolRequest request)
    {
        DockerOptions.RejectIpamOptions(request.Options);
        if (string.IsNullOrWhiteSpace(request.Pool))
        {
            throw new UserError("the l2vlan IPAM driver needs --subnet: give the subnet of the external VLAN, e.g. " +
                "--subnet 192.168.1.0/24");
        }
        var subnet = Cidr.ParseNetwork(request.Pool, "--subnet");
        RefusePrefixSizeOnly(subnet);
        Cidr? range = string.IsNullOrWhiteSpace(request.SubPool) ? null
            : Cidr.ParseNetwork(request.SubPool, "--ip-range");
        return new RequestPoolResponse
        {
            PoolID = ipam.RequestPool(subnet, range, request.V6),
            Pool = subnet.ToString(),
        };
    }

    /// <summary>
    /// Since Docker 29, <c>--subnet 0.0.0.0/24</c> or <c>::/96</c> asks the IPAM to choose a free subnet of that size
    /// (moby#50114), and a remote IPAM gets the text as it is. l2vlan's addresses are fixed addresses of an external
    /// VLAN whose subnet only the operator knows; and no host on a VLAN lives in 0.0.0.0/8 or ::/N, so the same text
    /// meant as a subnet, on an older Docker, is no VLAN's either.
    /// </summary>
    private static void RefusePrefixSizeOnly(Cidr subnet)
    {
        if (!subnet.Network.Equals(IPAddress.Any) && !subnet.Network.Equals(IPAddress.IPv6Any)) return;
        var example = subnet.Family == AddressFamily.InterNetwork ? "192.168.1.0/24" : "2001:db8:1::/64";
        throw new UserError($"--subnet {subnet} asks for any free /{subnet.PrefixLength} subnet, and the l2vlan IPAM " +
            $"driver does not choose one: " +
            $"its addresses are fixed addresses of an external VLAN, so give that VLAN's subnet, e.g. --subnet " +
                $"{example}");
    }

    public EmptyResponse ReleasePool(ReleasePoolRequest request)
    {
        ipam.ReleasePool(DockerIds.Pool(request.PoolID));
        return EmptyResponse.Instance;
    }

    public RequestAddressResponse RequestAddress(RequestAddressRequest request)
    {
        var wanted = string.IsNullOrWhiteSpace(request.Address) ? null : WireValues.Address(request.Address, "Address");
        var address = ipam.RequestAddress(DockerIds.Pool(request.PoolID), wanted,
            DockerOptions.IsGatewayRequest(request.Options));
        return new RequestAddressResponse { Address = address.ToString() };
    }

    public EmptyResponse ReleaseAddress(ReleaseAddressRequest request)
    {
        var poolId = DockerIds.Pool(request.PoolID);
        if (WireValues.TryParseAddress(request.Address, out var address)) ipam.ReleaseAddress(poolId, address);
        return EmptyResponse.Instance;
    }
}
