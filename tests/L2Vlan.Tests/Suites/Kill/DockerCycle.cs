using System.Net;

namespace L2Vlan.Tests.Suites.Kill;

/// <summary>One of the suite's networks: two share bridge kvb1 (VLAN 101, one subnet, a /32 range each), one has
/// kvb2.</summary>
internal sealed record SuiteNetwork(string Bridge, int VlanId, string Subnet, string Gateway, string Range)
{
    public static readonly SuiteNetwork[] All =
    [
        new("kvb1", 101, "10.1.0.0/24", "10.1.0.1", "10.1.0.4/32"),
        new("kvb1", 101, "10.1.0.0/24", "10.1.0.1", "10.1.0.6/32"),
        new("kvb2", 102, "10.2.0.0/24", "10.2.0.1", "10.2.0.4/32"),
    ];

    public string PoolId => $"{Subnet}@{Range}";

    /// <summary>The one address of the range: what a container without --ip gets.</summary>
    public IPAddress Address => IPAddress.Parse(Range.Split('/')[0]);

    public string Prefix => Subnet.Split('/')[1];
}

/// <summary>
/// A call Docker makes, and how Docker carries on when the service was killed before it answered. Most calls
/// are sent again as they were (every l2vlan call is idempotent: creates find what exists, deletes succeed when
/// it is gone). RequestPool and RequestAddress are not (each grants something more), and Docker's protocol has no
/// request ID to tell a repeat: <see cref="Landed"/> looks at the state to see whether the lost call took effect,
/// standing in for Docker learning the answer, so the cycle can go on without leaking a grant on the suite's side.
/// </summary>
/// <see cref="Grants"/> is the address a RequestAddress hands Docker: from the moment it is sent it may be Docker's.
internal sealed record DockerCall(string Path, string Body, Func<bool>? Landed = null, Action? Answered = null,
    IPAddress? Grants = null);

/// <summary>
/// Docker's sequence for the suite's three networks (docs/notes: the 20.10 trace): create each network (RequestPool,
/// the gateway's RequestAddress, CreateNetwork), start a container on each (RequestAddress, CreateEndpoint, Join),
/// stop them (Leave, DeleteEndpoint, ReleaseAddress) and delete the networks (20.10 releases the gateway and the
/// pool before DeleteNetwork, newer engines after it; both orders are drawn). Networks take turns in a drawn order.
/// The networks have dad=off: the probe writes nothing and has no kill point, and its 250 ms wait per Join (no
/// station answers on the stand-in NIC) was about half the suite's time.
/// </summary>
internal static class DockerCycle
{
    public static List<DockerCall> Calls(Random random, Func<SuiteNetwork, bool> poolHeld,
        Func<SuiteNetwork, bool> addressHeld,
        ISet<IPAddress> dockerHolds)
    {
        var nets = SuiteNetwork.All.Select(n => (Net: n, NetworkId: Id(random), EndpointId: Id(random))).ToList();
        List<(SuiteNetwork Net, string NetworkId, string EndpointId)> Shuffled() => nets.OrderBy(_ => random.Next())
            .ToList();
        var calls = new List<DockerCall>();
        foreach (var (net, networkId, _) in Shuffled())
        {
            calls.Add(new("/IpamDriver.RequestPool", $$$"""
                {"AddressSpace": "l2vlan", "Pool": "{{{net.Subnet}}}", "SubPool": "{{{net.Range}}}", "Options": {},
                 "V6": false}
                """,
                () => poolHeld(net)));
            calls.Add(new("/IpamDriver.RequestAddress", $$$"""
                {"PoolID": "{{{net.PoolId}}}", "Address": "{{{net.Gateway}}}",
                 "Options": {"RequestAddressType": "com.docker.network.gateway"}}
                """));
            calls.Add(new("/NetworkDriver.CreateNetwork", $$$"""
                {"NetworkID": "{{{networkId}}}",
                 "Options": {"com.docker.network.enable_ipv6": false,
                  "com.docker.network.generic": {"bridge_name": "{{{net.Bridge}}}", "ext_if": "ext0",
                   "vlan_id": "{{{net.VlanId}}}", "dad": "off"}},
                 "IPv4Data": [{"AddressSpace": "l2vlan", "Gateway": "{{{net.Gateway}}}/{{{net.Prefix}}}",
                  "Pool": "{{{net.Subnet}}}"}],
                 "IPv6Data": []}
                """));
        }
        foreach (var (net, networkId, endpointId) in Shuffled())
        {
            calls.Add(new("/IpamDriver.RequestAddress",
                $$$"""{"PoolID": "{{{net.PoolId}}}", "Address": "", "Options": null}""",
                () => addressHeld(net), () => dockerHolds.Add(net.Address), net.Address));
            calls.Add(new("/NetworkDriver.CreateEndpoint", $$$"""
                {"NetworkID": "{{{networkId}}}", "EndpointID": "{{{endpointId}}}",
                 "Interface": {"Address": "{{{net.Address}}}/{{{net.Prefix}}}", "AddressIPv6": "", "MacAddress": ""},
                 "Options": {}}
                """));
            calls.Add(new("/NetworkDriver.Join", $$$"""
                {"NetworkID": "{{{networkId}}}", "EndpointID": "{{{endpointId}}}",
                 "SandboxKey": "/var/run/docker/netns/{{{endpointId[..12]}}}", "Options": {}}
                """));
        }
        foreach (var (net, networkId, endpointId) in Shuffled())
        {
            calls.Add(new("/NetworkDriver.Leave",
                $$$"""{"NetworkID": "{{{networkId}}}", "EndpointID": "{{{endpointId}}}"}"""));
            calls.Add(new("/NetworkDriver.DeleteEndpoint",
                $$$"""{"NetworkID": "{{{networkId}}}", "EndpointID": "{{{endpointId}}}"}"""));
            calls.Add(new("/IpamDriver.ReleaseAddress",
                $$$"""{"PoolID": "{{{net.PoolId}}}", "Address": "{{{net.Address}}}"}""",
                Answered: () => dockerHolds.Remove(net.Address)));
        }
        foreach (var (net, networkId, _) in Shuffled())
        {
            var delete = new DockerCall("/NetworkDriver.DeleteNetwork", $$$"""{"NetworkID": "{{{networkId}}}"}""");
            var releases = new DockerCall[]
            {
                new("/IpamDriver.ReleaseAddress",
                    $$$"""{"PoolID": "{{{net.PoolId}}}", "Address": "{{{net.Gateway}}}"}"""),
                new("/IpamDriver.ReleasePool", $$$"""{"PoolID": "{{{net.PoolId}}}"}"""),
            };
            if (random.Next(2) == 0) calls.AddRange([.. releases, delete]);
            else calls.AddRange([delete, .. releases]);
        }
        return calls;
    }

    private static string Id(Random random) =>
        Convert.ToHexStringLower(Enumerable.Range(0, 32).Select(_ => (byte)random.Next(256)).ToArray());
}
