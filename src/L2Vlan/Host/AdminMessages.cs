using System.Text.Json.Serialization;

namespace L2Vlan.Host;

/// <summary>POST /L2Vlan.Forget: the network's ID as l2vlan records it, or a prefix of it that names one
/// network.</summary>
public sealed class ForgetRequest
{
    public string Network { get; set; } = "";
    /// <summary>Forget it even when Docker cannot be asked whether it still knows the network.</summary>
    public bool Force { get; set; }
}

/// <summary>The network that was forgotten, or <c>Err</c> with why not.</summary>
public sealed class ForgetResponse
{
    public string? NetworkId { get; set; }
    public string? Err { get; set; }
}

/// <summary>POST /L2Vlan.Version: the running service's version, as <c>l2vlan --version</c> prints it.</summary>
public sealed class VersionResponse
{
    public string? Version { get; set; }
}

/// <summary>POST /L2Vlan.Reload: the policy now in force, or <c>Err</c> with why the file was refused.</summary>
public sealed class ReloadResponse
{
    public string? Policy { get; set; }
    public string? Err { get; set; }
}

/// <summary>
/// l2vlan's own calls on the service's socket (the CLI talks to the service that owns the state), outside Docker's
/// protocol: their paths start with /L2Vlan., a namespace Docker never calls. Source-generated for Native AOT.
/// </summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ForgetRequest))]
[JsonSerializable(typeof(ForgetResponse))]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(ReloadResponse))]
public sealed partial class AdminJsonContext : JsonSerializerContext;
