using System.Text.Json;

namespace L2Vlan.Protocol;

// The IpamDriver half of Docker's remote plugin protocol (libnetwork ipams/remote/api).
// As in the NetworkDriver half, every request field may be missing or null.

public sealed class IpamCapabilitiesResponse
{
    public bool RequiresMACAddress { get; init; }
    public bool RequiresRequestReplay { get; init; }
}

public sealed class AddressSpacesResponse
{
    public required string LocalDefaultAddressSpace { get; init; }
    public required string GlobalDefaultAddressSpace { get; init; }
}

public sealed class RequestPoolRequest
{
    public string? AddressSpace { get; init; }
    /// <summary>--subnet</summary>
    public string? Pool { get; init; }
    /// <summary>--ip-range</summary>
    public string? SubPool { get; init; }
    /// <summary>--ipam-opt</summary>
    public Dictionary<string, JsonElement>? Options { get; init; }
    public bool V6 { get; init; }
}

public sealed class RequestPoolResponse
{
    public required string PoolID { get; init; }
    public required string Pool { get; init; }
    public Dictionary<string, string> Data { get; init; } = [];
}

public sealed class ReleasePoolRequest
{
    public string? PoolID { get; init; } = "";
}

public sealed class RequestAddressRequest
{
    public string? PoolID { get; init; } = "";
    /// <summary>A wanted address (gateway, aux or --ip), or empty for any free one.</summary>
    public string? Address { get; init; }
    public Dictionary<string, JsonElement>? Options { get; init; }
}

public sealed class RequestAddressResponse
{
    /// <summary>CIDR: the address with the pool's prefix length.</summary>
    public required string Address { get; init; }
    public Dictionary<string, string> Data { get; init; } = [];
}

public sealed class ReleaseAddressRequest
{
    public string? PoolID { get; init; } = "";
    public string? Address { get; init; }
}
