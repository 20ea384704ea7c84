using L2Vlan.Domain;
using L2Vlan.State;

namespace L2Vlan.Protocol;

/// <summary>
/// The IDs in Docker's messages, checked before a call acts on one. A network's ID names its state file
/// (networks/ID.json, written through a temporary .ID.json.PID.tmp), an endpoint's is kept in that file and gives
/// its veths their names: an ID with a NUL or a '/', or too long for a file name, used to fail only at the file's
/// write, after the links were made. Docker's IDs are 64 hex digits (a swarm network's, 25 letters and digits);
/// l2vlan takes 1 to <see cref="Longest"/> ASCII letters, digits, '-', '_' and '.', a letter or digit first (a file
/// whose name starts with '.' is a temporary one). A pool ID is one l2vlan gave. An ID that fails is not quoted in
/// the error: it may hold anything, control characters included.
/// </summary>
public static class DockerIds
{
    public const int Longest = 128;

    public static string Network(string? id) => Checked(id, "NetworkID");

    public static string Endpoint(string? id) => Checked(id, "EndpointID");

    /// <summary>A pool ID as RequestPool gives them: the subnet, and the --ip-range after an '@'.</summary>
    public static string Pool(string? id)
    {
        var value = Required.Value(id, "PoolID");
        return value.Length <= Longest && AddressPool.TryParseId(value, out var subnet, out var range)
            && AddressPool.MakeId(subnet, range) == value
            ? value
            : throw new UserError("Docker's request is not usable: PoolID is not a pool ID l2vlan gave (expected the " +
                "subnet and the range, " +
                "example: 192.168.1.0/24@192.168.1.4/32)");
    }

    private static string Checked(string? id, string field)
    {
        var value = Required.Value(id, field);
        return value.Length is > 0 and <= Longest && char.IsAsciiLetterOrDigit(value[0])
            && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? value
            : throw new UserError($"Docker's request is not usable: {field} is not an ID (expected 1 to {Longest} " +
                $"ASCII letters, digits, " +
                "'-', '_' or '.', a letter or digit first, as Docker's 64 hex digits)");
    }
}
