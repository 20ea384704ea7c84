using System.Net;
using System.Text.Json.Serialization;
using L2Vlan.Domain;

namespace L2Vlan.State;

/// <summary>
/// What one RequestPool made: a subnet, an optional --ip-range, the gateway Docker asked for,
/// and the addresses handed out from it. Persisted as one JSON file.
/// </summary>
public sealed class AddressPool
{
    public required string Id { get; init; }
    public required Cidr Subnet { get; init; }
    public Cidr? Range { get; init; }
    public IPAddress? Gateway { get; set; }
    public List<Allocation> Allocations { get; init; } = [];

    /// <summary>Where dynamic addresses come from: the --ip-range, or the whole subnet.</summary>
    [JsonIgnore]
    public Cidr RangeOrSubnet => Range ?? Subnet;

    public Allocation? Find(IPAddress address) => Allocations.Find(a => a.Address.Equals(address));

    /// <summary>The pool's ID says what it is, so a replayed RequestPool finds the same pool.</summary>
    public static string MakeId(Cidr subnet, Cidr? range) => range is { } r ? $"{subnet}@{r}" : subnet.ToString();

    /// <summary>A file name for the ID: '/' cannot appear in one.</summary>
    public static string FileKey(string id) => id.Replace('/', '_');

    /// <summary>The ID a file name was made from: an ID has no '_' of its own.</summary>
    public static string IdOfFileKey(string key) => key.Replace('_', '/');

    /// <summary>The subnet and range an ID names, as <see cref="MakeId"/> wrote them.</summary>
    public static bool TryParseId(string id, out Cidr subnet, out Cidr? range)
    {
        (subnet, range) = (default, null);
        var parts = id.Split('@');
        if (parts.Length > 2 || !Cidr.TryParse(parts[0], out subnet, out var hostBits) || hostBits) return false;
        if (parts.Length == 1) return true;
        if (!Cidr.TryParse(parts[1], out var r, out hostBits) || hostBits || !subnet.Contains(r)) return false;
        range = r;
        return true;
    }
}
