using System.Text.Json.Serialization;

namespace L2Vlan.Adapter;

/// <summary>
/// A managed plugin's config.json, the part of Docker's <c>types.PluginConfig</c> the adapter fills.
/// Names as Docker's documentation writes them; Docker reads them without regard to case.
/// </summary>
public sealed class PluginConfig
{
    [JsonPropertyName("description")] public string Description { get; set; } = "";
    [JsonPropertyName("documentation")] public string Documentation { get; set; } = "";
    [JsonPropertyName("entrypoint")] public List<string> Entrypoint { get; set; } = [];
    [JsonPropertyName("workdir")] public string WorkDir { get; set; } = "/";
    [JsonPropertyName("env")] public List<PluginEnv> Env { get; set; } = [];
    [JsonPropertyName("interface")] public PluginInterface Interface { get; set; } = new();
    [JsonPropertyName("network")] public PluginNetwork Network { get; set; } = new();
    [JsonPropertyName("mounts")] public List<PluginMount> Mounts { get; set; } = [];
}

public sealed class PluginInterface
{
    [JsonPropertyName("types")] public List<string> Types { get; set; } = [];
    [JsonPropertyName("socket")] public string Socket { get; set; } = "";
}

public sealed class PluginNetwork
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
}

public sealed class PluginEnv
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("description")] public string Description { get; set; } = "";
    [JsonPropertyName("settable")] public List<string> Settable { get; set; } = [];
    [JsonPropertyName("value")] public string Value { get; set; } = "";
}

public sealed class PluginMount
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("description")] public string Description { get; set; } = "";
    [JsonPropertyName("settable")] public List<string> Settable { get; set; } = [];
    [JsonPropertyName("source")] public string Source { get; set; } = "";
    [JsonPropertyName("destination")] public string Destination { get; set; } = "";
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("options")] public List<string> Options { get; set; } = [];
}
