using System.Text.Json;

namespace L2Vlan.Protocol;

// The NetworkDriver half of Docker's remote plugin protocol (libnetwork drivers/remote/api).
// Field names are Docker's; unknown fields are ignored and every field may be missing or null (an element of a
// list or a map too), so request fields are nullable and Protocol/Required names the one that was null.

public sealed class NetworkCapabilitiesResponse
{
    public required string Scope { get; init; }
    public required string ConnectivityScope { get; init; }
}

public sealed class IpamData
{
    public string? AddressSpace { get; init; }
    public string? Pool { get; init; }
    public string? Gateway { get; init; }
    public Dictionary<string, string?>? AuxAddresses { get; init; }
}

public sealed class CreateNetworkRequest
{
    public string? NetworkID { get; init; } = "";
    public Dictionary<string, JsonElement>? Options { get; init; }
    public List<IpamData?>? IPv4Data { get; init; }
    public List<IpamData?>? IPv6Data { get; init; }
}

public sealed class NetworkRequest
{
    public string? NetworkID { get; init; } = "";
}

public sealed class EndpointInterface
{
    public string? Address { get; init; }
    public string? AddressIPv6 { get; init; }
    public string? MacAddress { get; init; }
}

public sealed class CreateEndpointRequest
{
    public string? NetworkID { get; init; } = "";
    public string? EndpointID { get; init; } = "";
    public EndpointInterface? Interface { get; init; }
    public Dictionary<string, JsonElement>? Options { get; init; }
}

public sealed class CreateEndpointResponse
{
    /// <summary>Only fields that arrived empty may be filled; Docker refuses changes to the others.</summary>
    public EndpointInterface? Interface { get; init; }
}

public sealed class EndpointRequest
{
    public string? NetworkID { get; init; } = "";
    public string? EndpointID { get; init; } = "";
}

public sealed class EndpointOperInfoResponse
{
    public Dictionary<string, string> Value { get; init; } = [];
}

public sealed class JoinRequest
{
    public string? NetworkID { get; init; } = "";
    public string? EndpointID { get; init; } = "";
    public string? SandboxKey { get; init; } = "";
    public Dictionary<string, JsonElement>? Options { get; init; }
}

public sealed class InterfaceName
{
    public required string SrcName { get; init; }
    public required string DstPrefix { get; init; }
}

public sealed class StaticRoute
{
    public required string Destination { get; init; }
    /// <summary>0: via <see cref="NextHop"/>; 1: directly connected.</summary>
    public int RouteType { get; init; }
    public string? NextHop { get; init; }
}

public sealed class JoinResponse
{
    public required InterfaceName InterfaceName { get; init; }
    /// <summary>Plain addresses, no mask. Docker makes them the container's default routes.</summary>
    public string? Gateway { get; init; }
    public string? GatewayIPv6 { get; init; }
    public List<StaticRoute>? StaticRoutes { get; init; }
    public bool DisableGatewayService { get; init; }
}

public sealed class AllocateNetworkRequest
{
    public string? NetworkID { get; init; } = "";
    public Dictionary<string, string?>? Options { get; init; }
}

public sealed class AllocateNetworkResponse
{
    public Dictionary<string, string?>? Options { get; init; }
}
