using System.Text;
using System.Text.Json;
using L2Vlan.Protocol;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Protocol;

/// <summary>What Docker 26 and 28 send or ask that Docker 20.10 did not (shared notes, docker-engines.md).</summary>
public class NewerEngineTests
{
    private static JsonElement Reply(string path, string body)
    {
        var links = new FakeLinkControl();
        links.AddNic("eno1");
        using var state = new TestState(links);
        var reply = new PluginDispatcher(state.Driver, state.Ipam, new RunningCalls(TimeProvider.System),
            NullLogger<PluginDispatcher>.Instance).Handle(path, Encoding.UTF8.GetBytes(body));
        Assert.That(reply.Status, Is.EqualTo(200));
        return JsonDocument.Parse(reply.Body).RootElement.Clone();
    }

    /// <summary>
    /// Docker 28 lets a driver with GwAllocChecker skip the gateway's allocation. l2vlan must not: the gateway is the
    /// router's, and only an allocation through its IPAM keeps that address from ever being handed to a container.
    /// </summary>
    [Test]
    public void The_driver_does_not_declare_GwAllocChecker_so_Docker_always_allocates_the_gateway()
    {
        var capabilities = Reply("/NetworkDriver.GetCapabilities", "");
        Assert.That(capabilities.TryGetProperty("GwAllocChecker", out var checker) && checker.GetBoolean(), Is.False);
    }

    [Test]
    public void An_IPv6_only_network_as_Docker_28_sends_it_has_no_IPv4_data()
    {
        var body = """
            {"NetworkID":"6f1c","Options":{"com.docker.network.enable_ipv4":false,"com.docker.network.enable_ipv6":true,
             "com.docker.network.generic":{"parent":"eno1.90","com.docker.network.driver.mtu":"1400"}},
             "IPv4Data":null,
             "IPv6Data":[{"AddressSpace":"l2vlan","Pool":"2001:db8:90::/64","Gateway":"2001:db8:90::1/64"}]}
            """;
        Assert.That(Reply("/NetworkDriver.CreateNetwork", body).EnumerateObject(), Is.Empty);
    }
}
