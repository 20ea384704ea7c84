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
            throw new UserError("the l2vlan IPAM driver needs --subnet: give the subnet of the external VLAN, e.g. --subnet 192.168.1.0/24");
        var subnet = Cidr.ParseNetwork(request.Pool, "--subnet");
        Cidr? range = string.IsNullOrWhiteSpace(request.SubPool) ? null : Cidr.ParseNetwork(request.SubPool, "--ip-range");
        return new RequestPoolResponse { PoolID = ipam.RequestPool(subnet, range, request.V6), Pool = subnet.ToString() };
    }

    public EmptyResponse ReleasePool(ReleasePoolRequest request)
    {
        ipam.ReleasePool(DockerIds.Pool(request.PoolID));
        return EmptyResponse.Instance;
    }

    public RequestAddressResponse RequestAddress(RequestAddressRequest request)
    {
        var wanted = string.IsNullOrWhiteSpace(request.Address) ? null : WireValues.Address(request.Address, "Address");
        var address = ipam.RequestAddress(DockerIds.Pool(request.PoolID), wanted, DockerOptions.IsGatewayRequest(request.Options));
        return new RequestAddressResponse { Address = address.ToString() };
    }

    public EmptyResponse ReleaseAddress(ReleaseAddressRequest request)
    {
        var poolId = DockerIds.Pool(request.PoolID);
        if (WireValues.TryParseAddress(request.Address, out var address)) ipam.ReleaseAddress(poolId, address);
        return EmptyResponse.Instance;
    }
}
