using System.Text.Json.Serialization;

namespace L2Vlan.State;

[JsonConverter(typeof(JsonStringEnumConverter<AllocationKind>))]
public enum AllocationKind
{
    /// <summary>Picked by l2vlan from the range for a container that asked for any address.</summary>
    Dynamic,
    /// <summary>Asked for by address: a container's --ip, or an --aux-address not yet seen by the driver.</summary>
    Requested,
    /// <summary>An --aux-address of a network: never given to a container, and asked for again when Docker replays a
    /// network.</summary>
    Auxiliary,
}
