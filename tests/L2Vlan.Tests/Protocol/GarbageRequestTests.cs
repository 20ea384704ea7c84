using System.Text;
using System.Text.Json;
using L2Vlan.Protocol;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Protocol;

/// <summary>
/// What no Docker sends but a careless or hostile client may: nulls, wrong JSON types, a bug inside a
/// handler. Every such call is answered with an Err that says what was wrong, never with a crash.
/// </summary>
public class GarbageRequestTests : DispatcherOverFakeKernel
{
    [TestCase("/NetworkDriver.CreateNetwork", """{"NetworkID":"n1","IPv4Data":[null]}""", "IPv4Data[0] is null")]
    [TestCase("/NetworkDriver.CreateNetwork",
        """{"NetworkID":"n1","IPv4Data":[],"IPv6Data":[{"Pool":"fd00::/64"},null]}""", "IPv6Data[1] is null")]
    [TestCase("/NetworkDriver.CreateNetwork",
        """{"NetworkID":"n1","IPv4Data":[{"Pool":"10.0.0.0/24","AuxAddresses":{"router2":null}}]}""",
        "IPv4Data[0].AuxAddresses[router2] is null")]
    [TestCase("/NetworkDriver.CreateNetwork", """{"NetworkID":null,"IPv4Data":[]}""", "NetworkID is null")]
    [TestCase("/NetworkDriver.DeleteNetwork", """{"NetworkID":null}""", "NetworkID is null")]
    [TestCase("/NetworkDriver.CreateEndpoint", """{"NetworkID":null,"EndpointID":"e1"}""", "NetworkID is null")]
    [TestCase("/NetworkDriver.DeleteEndpoint", """{"NetworkID":"n1","EndpointID":null}""", "EndpointID is null")]
    [TestCase("/NetworkDriver.EndpointOperInfo", """{"NetworkID":null,"EndpointID":"e1"}""", "NetworkID is null")]
    [TestCase("/NetworkDriver.Join", """{"NetworkID":"n1","EndpointID":null}""", "EndpointID is null")]
    [TestCase("/IpamDriver.ReleasePool", """{"PoolID":null}""", "PoolID is null")]
    [TestCase("/IpamDriver.RequestAddress", """{"PoolID":null,"Address":""}""", "PoolID is null")]
    [TestCase("/IpamDriver.ReleaseAddress", """{"PoolID":null,"Address":"10.0.0.4"}""", "PoolID is null")]
    public void A_null_where_docker_sends_a_value_is_named_in_Err(string path, string body, string expected)
    {
        var (status, reply) = Call(path, body);
        Assert.That(status, Is.EqualTo(500));
        Assert.That(reply.GetProperty("Err").GetString(), Does.Contain(expected));
    }

    /// <summary>Docker-shaped garbage: every path, every body. Each is answered, and none reaches the catch-all for
    /// bugs.</summary>
    [Test]
    public void Garbage_in_any_call_is_refused_by_name_never_by_a_crash()
    {
        string[] bodies =
        [
            "null", "{}", "[]", "\"x\"", "1", "true", "[null]", "{\"NetworkID\":[]}", "{\"Options\":null}",
                "{\"Options\":[null]}",
            """
            {"NetworkID":null,"EndpointID":null,"PoolID":null,"Address":null,"Pool":null,"SubPool":null,"Options":null,
            "Interface":null,"IPv4Data":null,"IPv6Data":null,"SandboxKey":null,"V6":null}
            """,
            """
            {"NetworkID":"n1","EndpointID":"e1","PoolID":"p","Options":{"com.docker.network.generic":null,
            "RequestAddressType":null,"com.docker.network.internal":null},
            "Interface":{"Address":null,"AddressIPv6":null,"MacAddress":null}}
            """,
            """
            {"NetworkID":"n1","Options":{"com.docker.network.generic":{"vlan_id":null,"ext_if":null}},
            "IPv4Data":[{"Pool":null,"Gateway":null,"AuxAddresses":null}]}
            """,
            """{"NetworkID":"n1","IPv4Data":[{"Pool":"10.0.0.0/24","AuxAddresses":{"a":null}}],"IPv6Data":[null]}""",
            """{"NetworkID":"n1","Options":{"k":null}}""",
            "{\"NetworkID\":\"n1\"",
        ];
        var log = new RecordingLogger<PluginDispatcher>();
        var dispatcher = new PluginDispatcher(State.Driver, State.Ipam, new RunningCalls(TimeProvider.System), log);
        foreach (var path in dispatcher.Paths.Append("/NetworkDriver.Teleport"))
        {
            foreach (var body in bodies)
            {
                var reply = dispatcher.Handle(path, Encoding.UTF8.GetBytes(body));
                if (reply.Status == 200) continue;
                Assert.That(JsonDocument.Parse(reply.Body).RootElement.GetProperty("Err").GetString(), Is.Not.Empty,
                    $"{path} {body}");
            }
        }
        Assert.That(log.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.Message), Is.Empty,
            "requests that reached the catch-all for bugs");
    }

    private sealed class BrokenFirewall : L2Vlan.Firewall.IFirewall
    {
        public void AllowBridged(string bridge) => throw new NullReferenceException("Object reference not set, in " +
            "/work/main/src/L2Vlan/Firewall/x.cs:12");

        public void RemoveBridged(string bridge) { }
    }

    [Test]
    public void A_bug_in_a_handler_answers_Err_without_its_message_or_stack()
    {
        // The service as TestState builds it, but with a firewall that fails as a bug would.
        var log = new RecordingLogger<PluginDispatcher>();
        var dispatcher = State.Compose(services =>
        {
            services.AddSingleton<L2Vlan.Firewall.IFirewall>(new BrokenFirewall());
            services.AddSingleton<ILogger<PluginDispatcher>>(log);
        }).GetRequiredService<PluginDispatcher>();

        var reply = dispatcher.Handle("/NetworkDriver.CreateNetwork", Encoding.UTF8.GetBytes("""
            {"NetworkID":"n1","Options":{"com.docker.network.generic":{"vlan_id":"2000","ext_if":"eno1"}},
            "IPv4Data":[{"Pool":"10.0.0.0/24"}]}
            """));

        Assert.That(reply.Status, Is.EqualTo(500));
        var err = JsonDocument.Parse(reply.Body).RootElement.GetProperty("Err").GetString();
        Assert.That(err, Does.Contain("/NetworkDriver.CreateNetwork").And.Contain("journalctl -u l2vlan"));
        Assert.That(err, Does.Not.Contain("Object reference").And.Not.Contain("/work/").And.Not.Contain(" at "));
        Assert.That(log.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Error),
            "the journal has it");
    }

    [TestCase("{\"NetworkID\": ", "the request body is not valid JSON (line 1, byte 15)")]
    [TestCase("{\"NetworkID\": \"n1\", \"IPv4Data\": {}}", "IPv4Data has another JSON type than Docker sends")]
    [TestCase("{\"NetworkID\": 7}", "NetworkID has another JSON type than Docker sends")]
    [TestCase("[]", "the request body is not a JSON object")]
    public void Unreadable_json_is_described_without_the_serializers_type_names(string body, string expected)
    {
        var (status, reply) = Call("/NetworkDriver.CreateNetwork", body);
        Assert.That(status, Is.EqualTo(500));
        Assert.That(reply.GetProperty("Err").GetString(),
            Does.Contain(expected).And.Not.Contain("System.").And.Not.Contain("L2Vlan."));
    }
}
