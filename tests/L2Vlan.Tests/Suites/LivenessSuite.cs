using System.Diagnostics;
using System.Text;
using System.Text.Json;
using L2Vlan.Firewall;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Suites;

/// <summary>
/// One firewall call stuck for 60 s: the real service on its real unix socket, with the real bounded iptables
/// call running a stand-in that hangs for the accept rule of one bridge. While CreateNetwork of that bridge waits,
/// Plugin.Activate and calls on other networks (of other bridges) and on the IPAM must each answer within 1 s, and
/// the stuck call must come back with a JSON Err within 10 s (the iptables time limit, 8 s, ends it).
/// </summary>
[Category("Suite")]
public class LivenessSuite
{
    private const string StuckBridge = "brstuck";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StuckBound = TimeSpan.FromSeconds(10);

    // Hangs for the stuck bridge's rule; otherwise no rule is there (-C) and inserting one works.
    private const string StandIn = """
        #!/bin/sh
        for a in "$@"; do [ "$a" = "l2vlan bridge brstuck" ] && exec sleep 60; done
        [ "$3" = "-C" ] && exit 1
        exit 0
        """;

    private InProcessService _service = null!;

    [SetUp]
    public async Task SetUp()
    {
        _service = new InProcessService(Path.GetTempPath(), "liveness", ["eth0", "eth1"], LogLevel.Critical);
        var tool = Path.Combine(_service.Folder, "iptables");
        File.WriteAllText(tool, StandIn.Replace("\r", "") + "\n");
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await _service.StartAsync(services => services.AddSingleton<IFirewall>(
            new IptablesFirewall(NullLogger.Instance, [tool], IptablesFirewall.CallTimeout)));
    }

    [TearDown]
    public async Task TearDown() => await _service.DisposeAsync();

    [Test]
    public async Task Other_calls_answer_within_1_s_while_a_firewall_call_is_stuck_which_gets_an_Err_within_10_s()
    {
        using var http = FakeKernelHost.Client(_service.Socket);
        var pool = await Call(http, "/IpamDriver.RequestPool",
            """{"AddressSpace": "l2vlan", "Pool": "10.30.0.0/24", "V6": false}""");
        var poolId = pool.Reply!.Value.GetProperty("PoolID").GetString()!;
        await Expect200(http, "/NetworkDriver.CreateNetwork", Network("ready", "eth1", 20, "brready"));

        var clock = Stopwatch.StartNew();
        var stuck = Task.Run(() =>
            Call(http, "/NetworkDriver.CreateNetwork", Network("stuck", "eth0", 10, StuckBridge)));
        var stuckAt = TimeSpan.Zero;
        _ = stuck.ContinueWith(_ => stuckAt = clock.Elapsed, TaskScheduler.Default);
        // The stuck call is in iptables by now: making the links takes the fake kernel microseconds.
        await Task.Delay(500);

        var latencies = new List<(string Path, TimeSpan Took)>();
        for (var round = 0; !stuck.IsCompleted && clock.Elapsed < StuckBound; round++)
        {
            await Timed(http, latencies, "/Plugin.Activate", "");
            await Timed(http, latencies, "/NetworkDriver.CreateNetwork",
                Network($"other{round}", "eth1", 100 + round, $"brother{round}"));
            var address = (await Timed(http, latencies, "/IpamDriver.RequestAddress",
                $$"""{"PoolID": "{{poolId}}", "Address": "", "Options": null}"""))
                .Reply!.Value.GetProperty("Address").GetString()!;
            await Timed(http, latencies, "/NetworkDriver.CreateEndpoint", $$$"""
                {"NetworkID": "ready", "EndpointID": "ep{{{round}}}",
                 "Interface": {"Address": "{{{address}}}", "MacAddress": ""}, "Options": {}}
                """);
            await Timed(http, latencies, "/NetworkDriver.Join", $$$"""
                {"NetworkID": "ready", "EndpointID": "ep{{{round}}}", "SandboxKey": "/var/run/docker/netns/x",
                 "Options": {}}
                """);
            await Timed(http, latencies, "/NetworkDriver.DeleteEndpoint",
                $$$"""{"NetworkID": "ready", "EndpointID": "ep{{{round}}}"}""");
            await Timed(http, latencies, "/IpamDriver.ReleaseAddress",
                $$"""{"PoolID": "{{poolId}}", "Address": "{{address.Split('/')[0]}}"}""");
            // Docker's own pace, not a flood: the load of the suite itself is not what is measured.
            await Task.Delay(100);
        }

        var (status, reply) = await stuck.WaitAsync(StuckBound);
        var err = reply?.GetProperty("Err").GetString();
        var whileStuck = latencies.Select(l => l.Took.TotalMilliseconds).Order().ToList();
        var slowest = latencies.OrderByDescending(l => l.Took).Take(3)
            .Select(l => $"{l.Path} {l.Took.TotalMilliseconds:F1} ms");
        TestContext.Progress.WriteLine(
            $"liveness suite: {latencies.Count} calls while one firewall call was stuck: median " +
                $"{whileStuck[whileStuck.Count / 2]:F1} ms, " +
            $"slowest {string.Join(", ", slowest)}; the stuck call answered {status} after " +
            $"{stuckAt.TotalSeconds:F1} s: {err}");

        Assert.That(latencies.Select(l => l.Path).Distinct().Count(), Is.EqualTo(7),
            "every kind of call ran while the stuck one waited");
        Assert.That(latencies.Where(l => l.Took > Bound).Select(l => $"{l.Path} {l.Took.TotalMilliseconds:F0} ms"),
            Is.Empty,
            $"each call answers within {Bound.TotalSeconds} s");
        Assert.That(status, Is.Not.EqualTo(200), "the stuck call failed");
        Assert.That(err, Does.Contain("iptables").And.Contain("no answer within 8 s"), "its Err names what timed out");
        Assert.That(stuckAt, Is.LessThan(StuckBound));
    }

    private static string Network(string id, string nic, int vlan, string bridge) => $$$"""
        {"NetworkID": "{{{id}}}", "Options": {"com.docker.network.generic":
         {"ext_if": "{{{nic}}}", "vlan_id": "{{{vlan}}}", "bridge_name": "{{{bridge}}}"}},
         "IPv4Data": [{"AddressSpace": "l2vlan", "Pool": "10.30.0.0/24", "Gateway": "10.30.0.1/24"}], "IPv6Data": []}
        """;

    private static async Task<(int Status, JsonElement? Reply)> Timed(HttpClient http,
        List<(string, TimeSpan)> latencies, string path, string body)
    {
        var clock = Stopwatch.StartNew();
        var result = await Expect200(http, path, body);
        latencies.Add((path, clock.Elapsed));
        return result;
    }

    private static async Task<(int Status, JsonElement? Reply)> Expect200(HttpClient http, string path, string body)
    {
        var result = await Call(http, path, body);
        Assert.That(result.Status, Is.EqualTo(200), $"{path}: {result.Reply}");
        return result;
    }

    private static async Task<(int Status, JsonElement? Reply)> Call(HttpClient http, string path, string body)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        using var reply = await http.PostAsync(path, content);
        var text = await reply.Content.ReadAsStringAsync();
        return ((int)reply.StatusCode, text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone());
    }
}
