using System.Globalization;
using System.Net;

namespace L2Vlan.State;

/// <summary>
/// One change of a pool as a journal record: a short line of text, "held ADDRESS KIND", "released ADDRESS",
/// "holders N" or "gateway ADDRESS". Each sets a value (none adds to one), so applying a record twice is harmless.
/// </summary>
internal static class PoolChange
{
    public static string Held(Allocation a) => $"held {a.Address} {a.Kind}";
    public static string Released(IPAddress address) => $"released {address}";
    public static string Holders(int n) => string.Create(CultureInfo.InvariantCulture, $"holders {n}");
    public static string Gateway(IPAddress address) => $"gateway {address}";

    /// <summary>Applies <paramref name="change"/> to the pool; a record that is not one of these is an error.</summary>
    public static void Apply(AddressPool pool, string change)
    {
        var parts = change.Split(' ');
        switch (parts)
        {
            case ["held", var address, var kind] when Enum.TryParse<AllocationKind>(kind, out var k):
                pool.Allocations.Load(new Allocation(IPAddress.Parse(address), k));
                break;
            case ["released", var address]:
                pool.Allocations.Unload(IPAddress.Parse(address));
                break;
            case ["holders", var n]:
                pool.HoldersInFile = int.Parse(n, CultureInfo.InvariantCulture);
                break;
            case ["gateway", var address]:
                pool.AddGateway(IPAddress.Parse(address));
                break;
            default:
                throw new FormatException($"journal record '{change}' is not a pool change");
        }
    }
}
