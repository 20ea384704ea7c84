using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using L2Vlan.Domain;

namespace L2Vlan.State;

/// <summary>
/// What RequestPool made: a subnet, an optional --ip-range, the gateways Docker asked for, the addresses
/// handed out from it, and how many requests hold it. Persisted as one JSON file, the snapshot, and a journal of
/// the changes made since (see <see cref="PoolStore"/>): each change is also noted in <see cref="Pending"/>, which
/// the store appends to the journal.
/// </summary>
public sealed class AddressPool : IStateRecord
{
    public required string Id { get; init; }
    public required Cidr Subnet { get; init; }
    public Cidr? Range { get; init; }

    /// <summary>The router's address the first network of the pool gave (--gateway); never handed out.</summary>
    public IPAddress? Gateway { get; set; }

    /// <summary>
    /// Other routers' addresses, from networks that share the pool but gave another --gateway; never handed out
    /// either. Apart from <see cref="Gateway"/> so that a pool of one gateway keeps the file the previous release
    /// wrote.
    /// </summary>
    public List<IPAddress>? OtherGateways { get; set; }

    /// <summary>The addresses handed out, indexed by address.</summary>
    [JsonIgnore]
    public AllocationIndex Allocations { get; }

    /// <summary>
    /// <see cref="Allocations"/> as the file has always had them: a list. Indexed as it is read, so an allocation that
    /// is null, or has no address, makes the file unreadable here (the index cannot hold it for a later check).
    /// </summary>
    [JsonInclude, JsonPropertyName(nameof(Allocations))]
    internal List<Allocation> AllocationsInFile
    {
        get => [.. Allocations];
        init
        {
            foreach (var allocation in value ?? [])
            {
                Allocations.Load(allocation?.Address is null
                    ? throw new JsonException("an allocation of Allocations is null or has no Address") : allocation);
            }
        }
    }

    /// <summary>
    /// How many journal records this snapshot already holds: a replay skips those (a compaction killed between
    /// writing the snapshot and emptying the journal leaves them in the journal). Absent in the files of releases
    /// that had no journal, which read as 0.
    /// </summary>
    public long? JournalSequence { get; set; }

    /// <summary>The changes made in memory and not yet handed to the journal, as journal records
    /// (<see cref="PoolChange"/>).</summary>
    [JsonIgnore]
    internal List<string> Pending { get; } = [];

    public AddressPool() => Allocations = new AllocationIndex(Pending);

    /// <summary>
    /// Docker's RequestPools that hold the pool, less its ReleasePools: networks with the same subnet and range
    /// share one pool, and it must outlive each of them. See <c>IpamService.ReleasePool</c>.
    /// </summary>
    [JsonIgnore]
    public int Holders
    {
        get => _holders;
        set
        {
            if (value == _holders) return;
            _holders = value;
            Pending.Add(PoolChange.Holders(value));
        }
    }

    private int _holders = 1;

    /// <summary>
    /// <see cref="Holders"/> in the file, left out when 1: the previous release did not count, and a pool it wrote
    /// stood for at least one request (IpamService keeps such a pool while a network of its subnet remains).
    /// </summary>
    [JsonInclude, JsonPropertyName(nameof(Holders))]
    internal int? HoldersInFile
    {
        get => Holders == 1 ? null : Holders;
        set => _holders = value ?? 1;
    }

    /// <summary>Where dynamic addresses come from: the --ip-range, or the whole subnet.</summary>
    [JsonIgnore]
    public Cidr RangeOrSubnet => Range ?? Subnet;

    /// <summary>Every router's address the pool records.</summary>
    [JsonIgnore]
    public IEnumerable<IPAddress> Gateways => Gateway is null ? [] : [Gateway, .. OtherGateways ?? []];

    /// <summary>Records a router's address; one already recorded is left as it is.</summary>
    public void AddGateway(IPAddress gateway)
    {
        if (Gateways.Contains(gateway)) return;
        if (Gateway is null) Gateway = gateway;
        else (OtherGateways ??= []).Add(gateway);
        Pending.Add(PoolChange.Gateway(gateway));
    }

    public Allocation? Find(IPAddress address) => Allocations.Find(address);

    public string? Problem() =>
        Id is null ? "Id is null"
        : OtherGateways?.Any(g => g is null) == true ? "OtherGateways holds a null"
        : null;

    /// <summary>Applies a journal record (one <see cref="Pending"/> entry of an earlier run), noting nothing; false for
    /// one it does not know.</summary>
    internal bool TryApply(string change)
    {
        var known = PoolChange.TryApply(this, change);
        Pending.Clear();
        return known;
    }

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
