using System.Net;
using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.State;

namespace L2Vlan.Tests.Fakes;

/// <summary>
/// The network most tests make: VLAN 2000 of eno1 on the bridge vlan2000. A test states only what differs: other
/// options, its subnets, its aux addresses (<c>with { AuxAddresses = ... }</c>).
/// </summary>
internal static class Networks
{
    /// <summary><c>-o vlan_id=2000 -o ext_if=eno1 -o bridge_name=vlan2000</c>, each of <paramref name="more"/> set over
    /// them.</summary>
    public static Dictionary<string, string> Vlan2000Options(params (string Key, string Value)[] more)
    {
        var options = new Dictionary<string, string>
        {
            ["vlan_id"] = "2000",
            ["ext_if"] = "eno1",
            ["bridge_name"] = "vlan2000",
        };
        foreach (var (key, value) in more) options[key] = value;
        return options;
    }

    /// <summary>A network on VLAN 2000 of eno1 with these subnets, not internal, no aux addresses.</summary>
    public static NetworkSpec Vlan2000(string id, params SubnetRecord[] subnets) =>
        new(id, Vlan2000Options(), false, subnets, []);

    /// <summary>A subnet (<c>--subnet</c>) and its gateway (<c>--gateway</c>, with the subnet's prefix), or
    /// none.</summary>
    public static SubnetRecord Subnet(string cidr, string? gateway = null)
    {
        var subnet = Cidr.ParseNetwork(cidr, "--subnet");
        return new(subnet, gateway is null ? null
            : new InterfaceAddress(IPAddress.Parse(gateway), subnet.PrefixLength));
    }
}
