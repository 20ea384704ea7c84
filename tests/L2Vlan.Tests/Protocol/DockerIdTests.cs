using L2Vlan.Protocol;

namespace L2Vlan.Tests.Protocol;

/// <summary>
/// Docker's IDs are checked where its messages are read: an ID that cannot name a state file (a NUL, a '/', too
/// long) is refused before any link, rule or file is made, not when the file is written after the links.
/// </summary>
public class DockerIdTests : DispatcherOverFakeKernel
{
    // As they stand in the JSON of a request: \u0000 is a NUL once parsed.
    private static readonly string[] NotIds = ["n\\u0000x", "n/1", "../n1", ".n1", "", "n 1", new string('a', 251),
        new string('a', DockerIds.Longest + 1)];

    private (int Status, string Err) Answer(string path, string body)
    {
        var (status, json) = Call(path, body);
        return (status, json.TryGetProperty("Err", out var err) ? err.GetString() ?? "" : "");
    }

    private static string CreateNetwork(string id) => $$$"""
        {"NetworkID": "{{{id}}}", "Options": {"com.docker.network.generic": {"vlan_id": "2000", "ext_if": "eno1"}},
         "IPv4Data": [{"AddressSpace": "l2vlan", "Pool": "192.168.1.0/24", "Gateway": "192.168.1.1/24"}],
         "IPv6Data": []}
        """;

    private string[] WhatExists() =>
        State.Links.ListLinks().Select(l => $"link {l.Name} {l.MasterIndex}")
            .Concat(State.Firewall.Accepted.Select(b => $"rule {b}"))
            .Concat(new[] { "networks", "bridges" }.SelectMany(f => State.Files(f)
                .Select(n => $"{f}/{n} {File.ReadAllText(Path.Combine(State.Directory, f, n))}")))
            .Order(StringComparer.Ordinal).ToArray();

    [TestCaseSource(nameof(NotIds))]
    public void A_network_ID_that_cannot_name_a_file_is_refused_before_any_link_rule_or_file_is_made(string id)
    {
        var before = WhatExists();
        var (status, err) = Answer("/NetworkDriver.CreateNetwork", CreateNetwork(id));
        Assert.That(status, Is.EqualTo(500));
        Assert.That(err, Does.Contain("NetworkID is not an ID"));
        Assert.That(WhatExists(), Is.EqualTo(before), "no link, no rule, no file");
        Assert.That(State.Links.FindLink("vlan2000"), Is.Null);
    }

    [TestCaseSource(nameof(NotIds))]
    public void An_endpoint_ID_that_is_not_an_ID_is_refused_by_CreateEndpoint_and_Join_changing_nothing(string id)
    {
        Assert.That(Answer("/NetworkDriver.CreateNetwork", CreateNetwork("n1")).Status, Is.EqualTo(200));
        var before = WhatExists();
        string[] paths = ["/NetworkDriver.CreateEndpoint", "/NetworkDriver.Join", "/NetworkDriver.DeleteEndpoint",
            "/NetworkDriver.EndpointOperInfo"];
        foreach (var path in paths)
        {
            var (status, err) = Answer(path, $$$"""
                {"NetworkID": "n1", "EndpointID": "{{{id}}}",
                 "Interface": {"Address": "192.168.1.4/24", "MacAddress": ""}, "Options": {}}
                """);
            Assert.That(status, Is.EqualTo(500), path);
            Assert.That(err, Does.Contain("EndpointID is not an ID"), path);
        }
        Assert.That(WhatExists(), Is.EqualTo(before), "no veth, no endpoint recorded");
    }

    [Test]
    public void A_network_ID_of_docker_or_of_a_swarm_is_taken()
    {
        Assert.That(Answer("/NetworkDriver.CreateNetwork", CreateNetwork(new string('f', 64))).Status, Is.EqualTo(200));
        Assert.That(Answer("/NetworkDriver.CreateNetwork", CreateNetwork("zbup5992ml64i75r7mzhxdfnp")).Status,
            Is.EqualTo(200));
    }

    [TestCase("192.168.1.0/24\\u0000")]
    [TestCase("../../networks/n1")]
    [TestCase("192.168.1.0/24@")]
    [TestCase("192.168.1.4/24")]
    public void A_pool_ID_l2vlan_did_not_give_is_refused_by_name(string id)
    {
        string[] paths = ["/IpamDriver.RequestAddress", "/IpamDriver.ReleaseAddress", "/IpamDriver.ReleasePool"];
        foreach (var path in paths)
        {
            var (status, err) = Answer(path, $$"""{"PoolID": "{{id}}", "Address": "192.168.1.4"}""");
            Assert.That(status, Is.EqualTo(500), path);
            Assert.That(err, Does.Contain("PoolID is not a pool ID l2vlan gave"), path);
        }
    }
}
