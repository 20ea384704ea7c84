using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.State;

namespace L2Vlan.Protocol;

/// <summary>Docker's NetworkDriver messages as calls of <see cref="NetworkDriver"/>, and its results as
/// replies.</summary>
public sealed class NetworkDriverCalls(NetworkDriver driver)
{
    public EmptyResponse CreateNetwork(CreateNetworkRequest request)
    {
        var data = Required.Items(request.IPv4Data, "IPv4Data").Concat(Required.Items(request.IPv6Data, "IPv6Data"))
            .ToList();
        var subnets = data
            .Where(d => !string.IsNullOrEmpty(d.Item.Pool))
            .Select(d => new SubnetRecord(
                WireValues.Subnet(d.Item.Pool!, $"{d.Field}.Pool"),
                WireValues.InterfaceAddress(d.Item.Gateway, $"{d.Field}.Gateway")))
            .ToList();
        var aux = data
            .SelectMany(d => Required.Values(d.Item.AuxAddresses, $"{d.Field}.AuxAddresses")
                .Select(a => WireValues.Address(a, $"{d.Field}.AuxAddresses")))
            .ToList();
        driver.CreateNetwork(new NetworkSpec(
            DockerIds.Network(request.NetworkID),
            DockerOptions.Generic(request.Options),
            DockerOptions.Flag(request.Options, DockerOptions.InternalKey),
            subnets,
            aux));
        return EmptyResponse.Instance;
    }

    public EmptyResponse DeleteNetwork(NetworkRequest request)
    {
        driver.DeleteNetwork(DockerIds.Network(request.NetworkID));
        return EmptyResponse.Instance;
    }

    public CreateEndpointResponse CreateEndpoint(CreateEndpointRequest request)
    {
        DockerOptions.RejectInterfaceName(request.Options);
        var given = WireValues.Mac(request.Interface?.MacAddress);
        var (mac, known) = driver.CreateEndpoint(
            DockerIds.Network(request.NetworkID),
            DockerIds.Endpoint(request.EndpointID),
            WireValues.InterfaceAddress(request.Interface?.Address, "Interface.Address"),
            WireValues.InterfaceAddress(request.Interface?.AddressIPv6, "Interface.AddressIPv6"),
            given);
        // Docker refuses a reply that changes a field it filled; fill the MAC only when it came empty.
        return new CreateEndpointResponse
        {
            Interface = known || given is null ? new EndpointInterface { MacAddress = MacAddresses.Format(mac) } : null,
        };
    }

    public EmptyResponse DeleteEndpoint(EndpointRequest request)
    {
        driver.DeleteEndpoint(DockerIds.Network(request.NetworkID), DockerIds.Endpoint(request.EndpointID));
        return EmptyResponse.Instance;
    }

    public JoinResponse Join(JoinRequest request)
    {
        var joined = driver.Join(DockerIds.Network(request.NetworkID), DockerIds.Endpoint(request.EndpointID));
        return new JoinResponse
        {
            InterfaceName = new InterfaceName { SrcName = joined.ContainerVeth, DstPrefix = "eth" },
            Gateway = joined.Gateway?.ToString(),
            GatewayIPv6 = joined.GatewayIPv6?.ToString(),
            StaticRoutes = joined.Routes.Count == 0 ? null
                : joined.Routes.Select(r => new StaticRoute
                {
                    Destination = r.Destination.ToString(),
                    RouteType = 0,
                    NextHop = r.NextHop.ToString(),
                }).ToList(),
        };
    }

    /// <summary>
    /// ProgramExternalConnectivity and RevokeExternalConnectivity: Docker tells which endpoint is a container's
    /// gateway, and since 29.0 each time that changes. Docker's bridge driver publishes the container's ports on
    /// the host then; a container at L2 in the VLAN is reached at its own address, and its gateway is the router's,
    /// so there is nothing to program or revoke. The answer therefore rests on no state, neither a Join this process
    /// served nor the endpoint's record: the same however often and in whatever order they come, for an endpoint
    /// whose Join an earlier l2vlan served, one a live-restored dockerd never joined again, and one already deleted
    /// or never made. Only the IDs are checked, as in every call. No lock: a gateway move must not wait behind a
    /// slow call on the network's bridge.
    /// </summary>
    public EmptyResponse GatewayChanged(EndpointRequest request)
    {
        DockerIds.Network(request.NetworkID);
        DockerIds.Endpoint(request.EndpointID);
        return EmptyResponse.Instance;
    }

    public EndpointOperInfoResponse EndpointOperInfo(EndpointRequest request)
    {
        var info = new EndpointOperInfoResponse();
        if (driver.Endpoint(DockerIds.Network(request.NetworkID),
            DockerIds.Endpoint(request.EndpointID)) is var (bridge, endpoint))
        {
            info.Value["bridge"] = bridge;
            if (endpoint.HostVeth is not null) info.Value["host_veth"] = endpoint.HostVeth;
            info.Value["mac_address"] = MacAddresses.Format(endpoint.MacAddress);
        }
        return info;
    }
}
