namespace L2Vlan.Tests.Protocol;

/// <summary>
/// An IPv6 zone (2001:db8::5%1) in an address Docker sends is refused by the field's name: IPAddress counts the
/// zone in equality, so the address with one was a second address beside the one without.
/// </summary>
public class ZoneSuffixTests : DispatcherOverFakeKernel
{
    private const string V6Network = """
        {"NetworkID": "n1", "Options": {"com.docker.network.enable_ipv6": true,
         "com.docker.network.generic": {"vlan_id": "2000", "ext_if": "eno1"}},
         "IPv4Data": [], "IPv6Data": [{"AddressSpace": "l2vlan", "Pool": "POOL", "Gateway": "GATEWAY",
         "AuxAddresses": {"router2": "AUX"}}]}
        """;

    private void AssertRefused(string path, string body, string expected)
    {
        var (status, json) = Call(path, body);
        Assert.That(status, Is.EqualTo(500), json.ToString());
        Assert.That(json.GetProperty("Err").GetString(), Does.Contain(expected));
    }

    private string V6Pool() =>
        Ok("/IpamDriver.RequestPool", """{"AddressSpace": "l2vlan", "Pool": "2001:db8:77::/64", "V6": true}""")
            .GetProperty("PoolID").GetString()!;

    private static string Network(string pool = "2001:db8:77::/64", string gateway = "2001:db8:77::1/64",
        string aux = "2001:db8:77::2") =>
        V6Network.Replace("POOL", pool).Replace("GATEWAY", gateway).Replace("AUX", aux);

    [TestCase("""{"AddressSpace": "l2vlan", "Pool": "2001:db8:77::%1/64", "V6": true}""",
        "--subnet '2001:db8:77::%1/64' has a zone suffix")]
    [TestCase(
        """{"AddressSpace": "l2vlan", "Pool": "2001:db8:77::/64", "SubPool": "2001:db8:77::%eth0/80", "V6": true}""",
        "--ip-range '2001:db8:77::%eth0/80' has a zone suffix")]
    public void A_pool_or_sub_pool_with_a_zone_is_refused(string body, string expected)
    {
        AssertRefused("/IpamDriver.RequestPool", body, expected);
        Assert.That(State.Ipam.Pools, Is.Empty);
    }

    [Test]
    public void A_requested_address_with_a_zone_is_refused_after_the_address_without_was_granted()
    {
        var pool = V6Pool();
        Assert.That(Ok("/IpamDriver.RequestAddress", $$"""{"PoolID": "{{pool}}", "Address": "2001:db8:77::5"}""")
            .GetProperty("Address").GetString(),
            Is.EqualTo("2001:db8:77::5/64"));
        AssertRefused("/IpamDriver.RequestAddress", $$"""{"PoolID": "{{pool}}", "Address": "2001:db8:77::5%1"}""",
            "Address '2001:db8:77::5%1' has a zone suffix");
        Assert.That(State.Ipam.Pools.Single().Allocations.Select(a => a.Address), Is.EqualTo(new[]
        {
            "2001:db8:77::5",
        }));
    }

    [Test]
    public void A_gateway_with_a_zone_is_refused_and_the_gateway_is_not_handed_out_with_one()
    {
        var pool = V6Pool();
        const string gateway = """{"RequestAddressType": "com.docker.network.gateway"}""";
        AssertRefused("/IpamDriver.RequestAddress",
            $$"""{"PoolID": "{{pool}}", "Address": "2001:db8:77::1%1", "Options": {{gateway}} }""",
                "has a zone suffix");
        Ok("/IpamDriver.RequestAddress",
            $$"""{"PoolID": "{{pool}}", "Address": "2001:db8:77::1", "Options": {{gateway}} }""");
        AssertRefused("/IpamDriver.RequestAddress", $$"""{"PoolID": "{{pool}}", "Address": "2001:db8:77::1%1"}""",
            "has a zone suffix");
        Assert.That(State.Ipam.Pools.Single().Gateway, Is.EqualTo("2001:db8:77::1"));
        Assert.That(State.Ipam.Pools.Single().Allocations, Is.Empty);
    }

    [TestCase("2001:db8:77::%1/64", "2001:db8:77::1/64", "2001:db8:77::2",
        "IPv6Data[0].Pool '2001:db8:77::%1/64' has a zone suffix")]
    [TestCase("2001:db8:77::/64", "2001:db8:77::1%1/64", "2001:db8:77::2",
        "IPv6Data[0].Gateway '2001:db8:77::1%1/64' has a zone suffix")]
    [TestCase("2001:db8:77::/64", "2001:db8:77::1/64", "2001:db8:77::2%eth0",
        "IPv6Data[0].AuxAddresses '2001:db8:77::2%eth0' has a zone suffix")]
    public void CreateNetwork_with_a_zone_in_a_subnet_gateway_or_aux_address_is_refused_before_anything_is_made(
        string pool, string gateway, string aux, string expected)
    {
        AssertRefused("/NetworkDriver.CreateNetwork", Network(pool, gateway, aux), expected);
        Assert.That(State.Driver.Networks, Is.Empty);
        Assert.That(State.Links.FindLink("vlan2000"), Is.Null);
    }

    [TestCase("Address")]
    [TestCase("AddressIPv6")]
    public void CreateEndpoint_with_a_zone_in_an_address_is_refused(string field)
    {
        Ok("/NetworkDriver.CreateNetwork", Network());
        AssertRefused("/NetworkDriver.CreateEndpoint", $$$"""
            {"NetworkID": "n1", "EndpointID": "e1",
             "Interface": {"{{{field}}}": "2001:db8:77::5%1/64", "MacAddress": ""}, "Options": {}}
            """,
            $"Interface.{field} '2001:db8:77::5%1/64' has a zone suffix");
        Assert.That(State.Driver.Networks.Single().Endpoints, Is.Empty);
    }
}
