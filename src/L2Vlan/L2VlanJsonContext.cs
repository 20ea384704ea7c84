using System.Text.Json.Serialization;
using L2Vlan.Adapter;
using L2Vlan.Protocol;
using L2Vlan.State;

namespace L2Vlan;

/// <summary>
/// The one JSON context: Docker's PascalCase protocol messages and the state files. Source-generated,
/// so nothing needs reflection under Native AOT. Docker's Go decoder matches names case-insensitively; so do we.
/// The protocol messages are all strings; the state records hold parsed values, which the converters turn
/// into strings and back.
/// </summary>
[JsonSourceGenerationOptions(
    Converters = [typeof(IPAddressConverter), typeof(CidrConverter), typeof(InterfaceAddressConverter), typeof(PhysicalAddressConverter)],
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(ActivateResponse))]
[JsonSerializable(typeof(EmptyResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(NetworkCapabilitiesResponse))]
[JsonSerializable(typeof(CreateNetworkRequest))]
[JsonSerializable(typeof(NetworkRequest))]
[JsonSerializable(typeof(CreateEndpointRequest))]
[JsonSerializable(typeof(CreateEndpointResponse))]
[JsonSerializable(typeof(EndpointRequest))]
[JsonSerializable(typeof(EndpointOperInfoResponse))]
[JsonSerializable(typeof(JoinRequest))]
[JsonSerializable(typeof(JoinResponse))]
[JsonSerializable(typeof(AllocateNetworkRequest))]
[JsonSerializable(typeof(AllocateNetworkResponse))]
[JsonSerializable(typeof(IpamCapabilitiesResponse))]
[JsonSerializable(typeof(AddressSpacesResponse))]
[JsonSerializable(typeof(RequestPoolRequest))]
[JsonSerializable(typeof(RequestPoolResponse))]
[JsonSerializable(typeof(ReleasePoolRequest))]
[JsonSerializable(typeof(RequestAddressRequest))]
[JsonSerializable(typeof(RequestAddressResponse))]
[JsonSerializable(typeof(ReleaseAddressRequest))]
[JsonSerializable(typeof(AddressPool))]
[JsonSerializable(typeof(NetworkRecord))]
[JsonSerializable(typeof(BridgeRecord))]
[JsonSerializable(typeof(PluginConfig))]
internal sealed partial class L2VlanJsonContext : JsonSerializerContext;
