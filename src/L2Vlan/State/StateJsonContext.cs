using System.Text.Json.Serialization;

namespace L2Vlan.State;

/// <summary>
/// The state files. The records hold parsed values (addresses, subnets, MACs), which the converters turn into
/// the strings the files have always had, and back. Source-generated, so nothing needs reflection under Native AOT.
/// </summary>
[JsonSourceGenerationOptions(
    Converters = [typeof(IPAddressConverter), typeof(CidrConverter), typeof(InterfaceAddressConverter),
        typeof(PhysicalAddressConverter)],
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(AddressPool))]
[JsonSerializable(typeof(NetworkRecord))]
[JsonSerializable(typeof(BridgeRecord))]
public sealed partial class StateJsonContext : JsonSerializerContext;
