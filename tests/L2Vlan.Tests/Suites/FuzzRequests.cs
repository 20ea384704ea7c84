using System.Text;

namespace L2Vlan.Tests.Suites;

/// <summary>
/// Requests for the fuzz suite: Docker's messages (shared notes, docker-plugin-protocol.md) with values drawn
/// from small sets, so that networks, pools, endpoints and addresses meet again; then, for half of them,
/// their bytes mutated.
/// </summary>
internal static class FuzzRequests
{
    private static readonly string[] NetworkIds = ["n1", "n2", "n3", new string('a', 64), "", "../n1", "n/1", "n1.json",
        "\u00e9"];
    private static readonly string[] EndpointIds = ["e1", "e2", "e3", "e4", new string('b', 64), "", "../e1"];
    private static readonly string[] Subnets = ["192.168.1.0/24", "192.168.1.0/30", "192.168.2.0/24", "10.0.0.0/8",
        "fd00:1::/64", "192.168.1.5/24", "300.1.1.0/24", "192.168.1.0/33", "x", ""];
    private static readonly string[] Ranges = ["", "", "192.168.1.4/32", "192.168.1.252/30", "192.168.2.0/25",
        "10.0.0.0/31", "fd00:1::10/128", "y"];
    private static readonly string[] Addresses = ["", "", "192.168.1.1", "192.168.1.4", "192.168.1.5", "192.168.1.253",
        "192.168.2.1", "10.0.0.1", "fd00:1::1", "fd00:1::10", "192.168.1.255", "0.0.0.0", "z"];
    private static readonly string[] Cidrs = ["192.168.1.4/24", "192.168.1.5/24", "192.168.2.7/24", "fd00:1::10/64",
        "192.168.1.1/24", "1/2", ""];
    private static readonly string[] Macs = ["", "02:42:c0:a8:01:04", "02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", "zz"];
    private static readonly string[] VlanIds = ["2000", "2001", "1", "4094", "0", "4095", "-1", "abc", ""];
    private static readonly string[] Nics = ["eno1", "eth1", "eno9", "", "+", "%d", "eno1.2000", "lo"];
    private static readonly string[] BridgeNames = ["", "vlan2000", "vlan2001", "br0", "docker0", "+", ".x",
        "a-very-long-bridge-name"];
    private static readonly string[] Mtus = ["", "1500", "1400", "9000", "0", "70000", "x"];
    private static readonly string[] Routes = ["", "10.99.0.0/16", "10.99.0.0/16,fd00:99::/64", "bad"];
    private static readonly string[] Values = ["null", "[]", "{}", "1", "-1", "1e309", "true", "\"\"", "\"\\u0000\"",
        "[null]", "{\"a\":null}", "\"" + new string('x', 300) + "\""];

    private const string GatewayOptions = """{"RequestAddressType": "com.docker.network.gateway"}""";

    private static readonly (string Path, Func<Random, string> Body)[] Messages =
    [
        ("/Plugin.Activate", _ => ""),
        ("/NetworkDriver.GetCapabilities", _ => ""),
        ("/IpamDriver.GetCapabilities", _ => ""),
        ("/IpamDriver.GetDefaultAddressSpaces", _ => ""),
        ("/IpamDriver.RequestPool",
            r => $$"""{"AddressSpace": "l2vlan", "Pool": "{{Pick(r, Subnets)}}", "SubPool": "{{Pick(r, Ranges)}}",""" +
                $$""" "Options": {}, "V6": {{(r.Next(4) == 0 ? "true" : "false")}}}"""),
        ("/IpamDriver.ReleasePool", r => $$"""{"PoolID": "{{PoolId(r)}}"}"""),
        ("/IpamDriver.RequestAddress",
            r => $$"""{"PoolID": "{{PoolId(r)}}", "Address": "{{Pick(r, Addresses)}}",""" +
                $$""" "Options": {{(r.Next(4) == 0 ? GatewayOptions : "null")}}}"""),
        ("/IpamDriver.ReleaseAddress", r => $$"""{"PoolID": "{{PoolId(r)}}", "Address": "{{Pick(r, Addresses)}}"}"""),
        ("/NetworkDriver.CreateNetwork", CreateNetwork),
        ("/NetworkDriver.DeleteNetwork", r => $$"""{"NetworkID": "{{Pick(r, NetworkIds)}}"}"""),
        ("/NetworkDriver.CreateEndpoint",
            r => $$$"""{"NetworkID": "{{{Pick(r, NetworkIds)}}}", "EndpointID": "{{{Pick(r, EndpointIds)}}}",""" +
                $$$""" "Interface": {"Address": "{{{Pick(r, Cidrs)}}}",""" +
                $$$""" "AddressIPv6": "{{{(r.Next(3) == 0 ? "fd00:1::10/64" : "")}}}",""" +
                $$$""" "MacAddress": "{{{Pick(r, Macs)}}}"},""" +
                """ "Options": {"com.docker.network.endpoint.exposedports": [], "com.docker.network.portmap": []}}"""),
        ("/NetworkDriver.DeleteEndpoint",
            r => $$"""{"NetworkID": "{{Pick(r, NetworkIds)}}", "EndpointID": "{{Pick(r, EndpointIds)}}"}"""),
        ("/NetworkDriver.EndpointOperInfo",
            r => $$"""{"NetworkID": "{{Pick(r, NetworkIds)}}", "EndpointID": "{{Pick(r, EndpointIds)}}"}"""),
        ("/NetworkDriver.Join",
            r => $$$"""{"NetworkID": "{{{Pick(r, NetworkIds)}}}", "EndpointID": "{{{Pick(r, EndpointIds)}}}",""" +
                $$$""" "SandboxKey": "/var/run/docker/netns/{{{r.Next(1000):x}}}", "Options": {}}"""),
        ("/NetworkDriver.Leave",
            r => $$"""{"NetworkID": "{{Pick(r, NetworkIds)}}", "EndpointID": "{{Pick(r, EndpointIds)}}"}"""),
        ("/NetworkDriver.ProgramExternalConnectivity",
            r => $$$"""{"NetworkID": "{{{Pick(r, NetworkIds)}}}", "EndpointID": "{{{Pick(r, EndpointIds)}}}",""" +
                """ "Options": {}}"""),
        ("/NetworkDriver.RevokeExternalConnectivity",
            r => $$"""{"NetworkID": "{{Pick(r, NetworkIds)}}", "EndpointID": "{{Pick(r, EndpointIds)}}"}"""),
        ("/NetworkDriver.DiscoverNew", _ => """{"DiscoveryType": 1, "DiscoveryData": {}}"""),
        ("/NetworkDriver.DiscoverDelete", _ => """{"DiscoveryType": 1, "DiscoveryData": {}}"""),
        ("/NetworkDriver.AllocateNetwork",
            r => $$"""{"NetworkID": "{{Pick(r, NetworkIds)}}", "Options": {"a": "b"}, "IPv4Data": []}"""),
        ("/NetworkDriver.FreeNetwork", r => $$"""{"NetworkID": "{{Pick(r, NetworkIds)}}"}"""),
        ("/NetworkDriver.Teleport", _ => "{}"),
    ];

    public static (string Path, byte[] Body) Next(Random random)
    {
        var (path, make) = Messages[random.Next(Messages.Length)];
        var body = Encoding.UTF8.GetBytes(make(random));
        return (path, random.Next(2) == 0 ? body : Mutate(random, body));
    }

    private static string CreateNetwork(Random r)
    {
        var generic = new List<string>();
        if (r.Next(4) != 0) generic.Add($"\"vlan_id\": \"{Pick(r, VlanIds)}\"");
        if (r.Next(4) != 0) generic.Add($"\"ext_if\": \"{Pick(r, Nics)}\"");
        if (r.Next(3) == 0) generic.Add($"\"bridge_name\": \"{Pick(r, BridgeNames)}\"");
        if (r.Next(6) == 0) generic.Add($"\"parent\": \"{Pick(r, Nics)}.{Pick(r, VlanIds)}\"");
        if (r.Next(6) == 0) generic.Add($"\"mtu\": \"{Pick(r, Mtus)}\"");
        if (r.Next(6) == 0) generic.Add($"\"routes\": \"{Pick(r, Routes)}\"");
        if (r.Next(10) == 0) generic.Add($"\"parent_file\": \"{(r.Next(2) == 0 ? "/etc/hostname" : "/dev/zero")}\"");
        var subnet = Pick(r, Subnets);
        var gateway = r.Next(3) == 0 ? "" : $"\"Gateway\": \"{Pick(r, Cidrs)}\", ";
        var aux = r.Next(5) == 0 ? $"\"AuxAddresses\": {{\"r2\": \"{Pick(r, Cidrs)}\"}}, " : "";
        return $$"""{"NetworkID": "{{Pick(r, NetworkIds)}}", "Options": {"com.docker.network.enable_ipv6": false,""" +
            $$""" "com.docker.network.generic": {{{string.Join(", ", generic)}}},""" +
            $$""" "com.docker.network.internal": {{(r.Next(5) == 0 ? "true" : "false")}}},""" +
            $$""" "IPv4Data": [{{{gateway}}{{aux}}"AddressSpace": "l2vlan", "Pool": "{{subnet}}"}], "IPv6Data": []}""";
    }

    private static string PoolId(Random r)
    {
        var range = Pick(r, Ranges);
        return Pick(r, Subnets) + (range == "" ? "" : "@" + range);
    }

    private static string Pick(Random r, string[] values) => values[r.Next(values.Length)];

    /// <summary>One to three changes: a byte flipped, a span cut or doubled, a value put in, the end cut off.</summary>
    private static byte[] Mutate(Random r, byte[] body)
    {
        var bytes = new List<byte>(body);
        for (var n = r.Next(1, 4); n > 0; n--)
        {
            var at = bytes.Count == 0 ? 0 : r.Next(bytes.Count);
            switch (r.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] = (byte)r.Next(256);
                    break;
                case 1 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(r.Next(1, 16), bytes.Count - at));
                    break;
                case 2 when bytes.Count > 0:
                    bytes.InsertRange(at, bytes.GetRange(at, Math.Min(r.Next(1, 32), bytes.Count - at)));
                    break;
                case 3:
                    // A value where a string was: replace the next quoted string, quotes included.
                    var open = bytes.IndexOf((byte)'"', at);
                    var close = open < 0 ? -1 : bytes.IndexOf((byte)'"', open + 1);
                    if (close > open) bytes.RemoveRange(open, close - open + 1);
                    bytes.InsertRange(open < 0 ? at : open, Encoding.UTF8.GetBytes(Pick(r, Values)));
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(new string('[', r.Next(1, 200))));
                    break;
            }
        }
        return [.. bytes];
    }
}
