using System.Text;
using System.Text.Json;
using L2Vlan.Protocol;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Protocol;

/// <summary>What the protocol layer itself refuses before a typed call is made: what Docker sent does not read.</summary>
public class RequestMappingTests
{
    private TestState _state = null!;
    private PluginDispatcher _dispatcher = null!;

    [SetUp]
    public void SetUp()
    {
        _state = new TestState();
        _dispatcher = new PluginDispatcher(_state.Driver, _state.IpamService, NullLogger<PluginDispatcher>.Instance);
    }

    [TearDown]
    public void TearDown() => _state.Dispose();

    private string Refusal(string path, string body)
    {
        var reply = _dispatcher.Handle(path, Encoding.UTF8.GetBytes(body));
        Assert.That(reply.Status, Is.EqualTo(500));
        return JsonDocument.Parse(reply.Body).RootElement.GetProperty("Err").GetString()!;
    }

    [Test]
    public void A_pool_without_subnet_is_refused_with_a_hint()
    {
        Assert.That(Refusal("/IpamDriver.RequestPool", """{"Pool": "", "V6": false}"""), Does.Contain("--subnet").And.Contain("192.168.1.0/24"));
    }

    [Test]
    public void Ipam_options_are_refused_by_name()
    {
        Assert.That(Refusal("/IpamDriver.RequestPool", """{"Pool": "192.168.1.0/24", "Options": {"colour": "blue"}}"""), Does.Contain("colour"));
    }

    [Test]
    public void An_endpoint_address_or_mac_that_does_not_read_is_named()
    {
        Assert.That(Refusal("/NetworkDriver.CreateEndpoint", """{"NetworkID": "n", "EndpointID": "e", "Interface": {"Address": "192.168.1.4"}}"""),
            Does.Contain("'192.168.1.4' is not an address in CIDR form"));
        Assert.That(Refusal("/NetworkDriver.CreateEndpoint", """{"NetworkID": "n", "EndpointID": "e", "Interface": {"Address": "192.168.1.4/24", "MacAddress": "02:42"}}"""),
            Does.Contain("--mac-address 02:42 is not a MAC address"));
    }

    [Test]
    public void A_requested_address_that_does_not_read_is_named()
    {
        var pool = _state.IpamService.RequestPool(L2Vlan.Domain.Cidr.ParseNetwork("192.168.1.0/24", "--subnet"), null, v6: false);
        Assert.That(Refusal("/IpamDriver.RequestAddress", $$"""{"PoolID": "{{pool}}", "Address": "192.168.1.x"}"""), Does.Contain("192.168.1.x"));
    }
}
