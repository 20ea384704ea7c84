using L2Vlan.Domain;
using L2Vlan.Protocol;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Protocol;

/// <summary>What the protocol layer itself refuses, before any typed call is made: what Docker sent does not
/// read.</summary>
public class RequestMappingTests
{
    private static string Refusal(Action call) => Assert.Throws<UserError>(() => call())!.Message;

    [Test]
    public void A_pool_without_subnet_is_refused_with_a_hint()
    {
        using var state = new TestState();
        var ipam = new IpamCalls(state.IpamService);
        Assert.That(Refusal(() => ipam.RequestPool(new RequestPoolRequest { Pool = "" })),
            Does.Contain("--subnet").And.Contain("192.168.1.0/24"));
    }

    [Test]
    public void Ipam_options_are_refused_by_name()
    {
        using var state = new TestState();
        var ipam = new IpamCalls(state.IpamService);
        var options = new Dictionary<string, System.Text.Json.JsonElement>
        {
            ["colour"] = System.Text.Json.JsonSerializer.SerializeToElement("blue"),
        };
        Assert.That(Refusal(() =>
            ipam.RequestPool(new RequestPoolRequest { Pool = "192.168.1.0/24", Options = options })),
                Does.Contain("colour"));
    }

    [Test]
    public void A_requested_address_that_does_not_read_is_named()
    {
        using var state = new TestState();
        var ipam = new IpamCalls(state.IpamService);
        var pool = ipam.RequestPool(new RequestPoolRequest { Pool = "192.168.1.0/24" }).PoolID;
        Assert.That(Refusal(() =>
            ipam.RequestAddress(new RequestAddressRequest { PoolID = pool, Address = "192.168.1.x" })),
                Does.Contain("192.168.1.x"));
    }

    [Test]
    public void An_endpoint_address_or_mac_that_does_not_read_is_named()
    {
        using var state = new TestState();
        var driver = new NetworkDriverCalls(state.Driver);
        Assert.That(Refusal(() => driver.CreateEndpoint(new CreateEndpointRequest
        {
            NetworkID = "n1",
            EndpointID = "e1",
            Interface = new EndpointInterface { Address = "192.168.1.4" },
        })),
            Does.Contain("'192.168.1.4' is not an address in CIDR form"));
        Assert.That(Refusal(() => driver.CreateEndpoint(new CreateEndpointRequest
        {
            Interface = new EndpointInterface { Address = "192.168.1.4/24", MacAddress = "02:42" },
        })),
            Does.Contain("--mac-address 02:42 is not a MAC address"));
    }

    private static Dictionary<string, System.Text.Json.JsonElement> DriverOptions(params (string Key,
        string Value)[] generic) =>
        new()
        {
            [DockerOptions.GenericKey] =
                System.Text.Json.JsonSerializer.SerializeToElement(generic.ToDictionary(o => o.Key, o => o.Value))
        };

    [Test]
    public void Dockers_spelling_of_the_mtu_is_l2vlans_mtu()
    {
        var options = DockerOptions.Generic(DriverOptions(("vlan_id", "2000"), (DockerOptions.MtuKey, "1400")));
        Assert.That(options, Does.ContainKey("mtu").WithValue("1400"));
        Assert.That(options, Does.Not.ContainKey(DockerOptions.MtuKey));
        Assert.That(DockerOptions.Generic(DriverOptions(("mtu", "1400"), (DockerOptions.MtuKey, " 1400"))),
            Does.ContainKey("mtu").WithValue("1400"));
    }

    [Test]
    public void Two_spellings_of_the_mtu_that_disagree_are_refused_by_name()
    {
        Assert.That(Refusal(() => DockerOptions.Generic(DriverOptions(("mtu", "1400"),
            (DockerOptions.MtuKey, "1300")))),
            Does.Contain("-o mtu=1400").And.Contain("-o com.docker.network.driver.mtu=1300"));
    }

    [Test]
    public void Dockers_own_advertisement_options_are_left_to_Docker()
    {
        var options = DockerOptions.Generic(DriverOptions(("vlan_id", "2000"),
            ("com.docker.network.advertise_addr_nmsgs", "0"), ("com.docker.network.advertise_addr_ms", "500")));
        Assert.That(options.Keys, Is.EqualTo(new[] { "vlan_id" }));
    }
}
