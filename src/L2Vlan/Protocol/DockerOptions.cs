using System.Text.Json;
using L2Vlan.Domain;
using L2Vlan.Driver;

namespace L2Vlan.Protocol;

/// <summary>The keys Docker puts into a request's <c>Options</c>, and how their JSON values read.</summary>
public static class DockerOptions
{
    /// <summary>The user's <c>-o</c> options of a network.</summary>
    public const string GenericKey = "com.docker.network.generic";
    public const string InternalKey = "com.docker.network.internal";
    public const string RequestAddressTypeKey = "RequestAddressType";
    public const string GatewayRequestType = "com.docker.network.gateway";

    /// <summary>
    /// The name an endpoint's interface should have in the container, since Docker 28 (moby commit 56a7817b2d):
    /// <c>docker network connect --driver-opt com.docker.network.endpoint.ifname=NAME</c>.
    /// </summary>
    public const string InterfaceNameKey = "com.docker.network.endpoint.ifname";

    /// <summary>How Docker and Compose spell a network's MTU for every driver: the same as l2vlan's <c>-o
    /// mtu</c>.</summary>
    public const string MtuKey = "com.docker.network.driver.mtu";

    /// <summary>
    /// Docker 28's own options for every driver: how many unsolicited ARP/NA messages, how far apart, dockerd itself
    /// sends from a new container. Docker acts on them; l2vlan leaves them to it instead of refusing them as unknown.
    /// </summary>
    public static readonly IReadOnlyList<string> DockersOwnKeys = ["com.docker.network.advertise_addr_nmsgs",
        "com.docker.network.advertise_addr_ms"];

    /// <summary>The -o options; Docker sends them as strings, but be lenient with numbers and booleans.</summary>
    public static Dictionary<string, string> Generic(Dictionary<string, JsonElement>? options)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options is null || !options.TryGetValue(GenericKey, out var generic)
            || generic.ValueKind != JsonValueKind.Object)
        {
            return result;
        }
        foreach (var property in generic.EnumerateObject())
        {
            result[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()!
                : property.Value.GetRawText();
        }
        foreach (var key in DockersOwnKeys) result.Remove(key);
        return WithDockerMtu(result);
    }

    private static Dictionary<string, string> WithDockerMtu(Dictionary<string, string> options)
    {
        if (!options.Remove(MtuKey, out var dockerMtu))
            return options;
        if (!options.TryGetValue(NetworkOptionsParser.MtuOption, out var mtu))
        {
            options[NetworkOptionsParser.MtuOption] = dockerMtu;
        }
        else if (mtu.Trim() != dockerMtu.Trim())
        {
            throw new UserError($"-o {NetworkOptionsParser.MtuOption}={mtu} and -o {MtuKey}={dockerMtu} disagree: " +
                $"they are the same option, give one of them");
        }
        return options;
    }

    public static bool Flag(Dictionary<string, JsonElement>? options, string key) =>
        options is not null && options.TryGetValue(key, out var value)
        && (value.ValueKind == JsonValueKind.True
            || (value.ValueKind == JsonValueKind.String && value.GetString() == "true"));

    public static bool IsGatewayRequest(Dictionary<string, JsonElement>? options) =>
        options is not null
        && options.TryGetValue(RequestAddressTypeKey, out var type)
        && type.ValueKind == JsonValueKind.String
        && type.GetString() == GatewayRequestType;

    /// <summary>
    /// Docker honours an interface name for its own drivers only: for a plugin it names the interface from DstPrefix
    /// and drops DstName (moby daemon/libnetwork/drivers/remote/driver.go, Join: <c>SetNames(SrcName, DstPrefix,
    /// "")</c>, 28.0 to 29.x). The container would get eth0, eth1, … whatever was asked, so the request is refused
    /// instead.
    /// </summary>
    public static void RejectInterfaceName(Dictionary<string, JsonElement>? options)
    {
        if (options is null || !options.TryGetValue(InterfaceNameKey, out var name)) return;
        var text = name.ValueKind == JsonValueKind.String ? name.GetString() : name.GetRawText();
        // An empty name asks for nothing: Docker's own drivers then use the prefix too.
        if (string.IsNullOrEmpty(text)) return;
        throw new UserError($"driver-opt {InterfaceNameKey}={text} cannot be honoured: Docker does not let a network " +
            $"plugin name the " +
            "container's interface (it names it eth0, eth1, … in the order the networks are connected); leave the " +
                "option out");
    }

    /// <summary>Docker's own keys may ride along; the user's --ipam-opt keys would be silently ignored
    /// otherwise.</summary>
    public static void RejectIpamOptions(Dictionary<string, JsonElement>? options)
    {
        var unknown = options?.Keys.Where(k => !k.StartsWith("com.docker.", StringComparison.Ordinal)).Order().ToList();
        if (unknown is { Count: > 0 })
        {
            throw new UserError($"the l2vlan IPAM driver takes no --ipam-opt options; got " +
                $"{string.Join(", ", unknown)}");
        }
    }
}
