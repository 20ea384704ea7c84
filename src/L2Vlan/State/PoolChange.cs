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

    /// <summary>
    /// Applies <paramref name="change"/> to the pool; false, changing nothing, for a record that is not one of these:
    /// a kind a newer release writes, or a value that does not parse.
    /// </summary>
    public static bool TryApply(AddressPool pool, string change)
    {
        switch (change.Split(' '))
        {
            case ["held", var text, var kind] when IPAddress.TryParse(text, out var address)
                && Enum.TryParse<AllocationKind>(kind, out var k) && Enum.IsDefined(k):
                pool.Allocations.Load(new Allocation(address, k));
                return true;
            case ["released", var text] when IPAddress.TryParse(text, out var address):
                pool.Allocations.Unload(address);
                return true;
            case ["holders", var text]
                when int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n):
                pool.HoldersInFile = n;
                return true;
            case ["gateway", var text] when IPAddress.TryParse(text, out var address):
                pool.AddGateway(address);
                return true;
            default:
                return false;
        }
    }
}
