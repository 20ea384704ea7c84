using System.Text.Json;
using System.Text.Json.Serialization;

namespace L2Vlan.Firewall;

/// <summary>
/// The chains and rules of <c>nft -j list ruleset</c> (libnftables' JSON schema): each entry of the "nftables" array
/// is one object (table, chain, rule, set, ...); only chains and rules matter here. A rule's statements stay JSON:
/// <see cref="ForwardHookVerdict"/> reads the few it can judge and leaves the others be.
/// </summary>
public sealed class NftRuleset
{
    [JsonPropertyName("nftables")]
    public List<NftEntry> Entries { get; init; } = [];

    public IEnumerable<NftChain> Chains => Entries.Select(e => e.Chain).OfType<NftChain>();

    public IEnumerable<NftRule> Rules => Entries.Select(e => e.Rule).OfType<NftRule>();

    /// <summary>Throws <see cref="JsonException"/> when the text is not nft's JSON.</summary>
    public static NftRuleset Parse(string json) =>
        JsonSerializer.Deserialize(json, NftJsonContext.Default.NftRuleset)
        ?? throw new JsonException("nft printed null");
}

public sealed class NftEntry
{
    public NftChain? Chain { get; init; }
    public NftRule? Rule { get; init; }
}

/// <summary>A chain; a base chain has a type, a hook and a policy.</summary>
public sealed class NftChain
{
    public string Family { get; init; } = "";
    public string Table { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Type { get; init; }
    public string? Hook { get; init; }
    public string? Policy { get; init; }
}

public sealed class NftRule
{
    public string Family { get; init; } = "";
    public string Table { get; init; } = "";
    public string Chain { get; init; } = "";
    public long Handle { get; init; }
    public List<JsonElement> Expr { get; init; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(NftRuleset))]
internal sealed partial class NftJsonContext : JsonSerializerContext;
