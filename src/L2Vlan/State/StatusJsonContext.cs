using System.Text.Json.Serialization;

namespace L2Vlan.State;

/// <summary>
/// <c>l2vlan status --json</c>, in camelCase. Apart from <see cref="StateJsonContext"/>, whose names are those of
/// the files already on disk. Source-generated, so nothing needs reflection under Native AOT.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true)]
[JsonSerializable(typeof(StatusReport))]
public sealed partial class StatusJsonContext : JsonSerializerContext;
