using System.Net;
using System.Text.Json.Serialization;

namespace L2Vlan.Ipam;

/// <summary>
/// What one RequestPool made: a subnet, an optional --ip-range, the gateway Docker asked for,
/// and the addresses handed out from it. Persisted as one JSON file.
/// </summary>
public sealed class AddressPool
{
    public required string Id { get; init; }
    public required string Subnet { get; init; }
    public string? Range { get; init; }
    public string? Gateway { get; set; }
    public List<Allocation> Allocations { get; init; } = [];

    [JsonIgnore]
    public Cidr SubnetCidr => Cidr.ParseNetwork(Subnet, "subnet");

    [JsonIgnore]
    public Cidr RangeCidr => Range is null ? SubnetCidr : Cidr.ParseNetwork(Range, "ip-range");

    public Allocation? Find(IPAddress address) =>
        Allocations.Find(a => IPAddress.Parse(a.Address).Equals(address));

    /// <summary>The pool's ID says what it is, so a replayed RequestPool finds the same pool.</summary>
    public static string MakeId(Cidr subnet, Cidr? range) => range is { } r ? $"{subnet}@{r}" : subnet.ToString();

    /// <summary>A file name for the ID: '/' cannot appear in one.</summary>
    public static string FileKey(string id) => id.Replace('/', '_');
}
