using System.Text.Json.Serialization;

namespace L2Vlan.Adapter;

/// <summary>The managed plugin's config.json. Its bytes feed the adapter's digest, so its options stay as they
/// were.</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(PluginConfig))]
internal sealed partial class AdapterJsonContext : JsonSerializerContext;
