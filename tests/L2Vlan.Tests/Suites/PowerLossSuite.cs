using System.Diagnostics;
using L2Vlan.Faults;
using L2Vlan.Tests.Suites.Kill;
using L2Vlan.Tests.Suites.PowerLoss;

namespace L2Vlan.Tests.Suites;

/// <summary>
/// A power cut at every kill point (<see cref="KillPoints"/>): unlike SIGKILL, which keeps the page cache, it keeps
/// only what an fsync made durable (<see cref="Fakes.PowerLossDisk"/>). Docker's create/join/leave/delete cycle, a
/// network re-created by a new dockerd after the earlier one was killed, and <c>l2vlan forget</c> run against the
/// service in-process; each folder a cut would leave must start and satisfy the kill-point suite's state invariants
/// (<see cref="PowerCuts.Problems"/>). L2VLAN_SUITE_SEED replays a run.
/// </summary>
[NonParallelizable]
public class PowerLossSuite
{
    private const int Cycles = 12;

    [Test]
    public void A_power_cut_while_a_re_created_network_drops_the_old_endpoints_or_a_network_is_forgotten_loses_nothing()
    {
        using var run = new PowerCuts(compactEarly: false);
        RecreateAndForget(run, new Random(1));
        AssertNoProblems(run);
    }

    [Test]
    [Category("Suite")]
    public void A_power_cut_at_every_kill_point_of_Dockers_cycle_leaves_state_that_the_next_start_recovers()
    {
        var seed = SuiteSeed.Announce("power-loss suite");
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        // Journals that compact early reach the compaction's points; journals that grow, as the service's do, leave
        // every change to its journal's sync alone.
        using var run = new PowerCuts(compactEarly: random.Next(2) == 0);
        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            KillPoints.CompactEarly = cycle % 2 == 0;
            foreach (var call in DockerCycle.Calls(random, _ => false, _ => false, run.DockerHolds)) run.Send(call);
            run.State.WaitForDeletes();
            RecreateAndForget(run, random);
        }
        var recorded = clock.Elapsed;
        AssertNoProblems(run);
        TestContext.Progress.WriteLine(
            $"power-loss suite: {run.Cuts.Count} power cuts over {Cycles} cycles; " +
            $"{recorded.TotalSeconds:F1} s running, {(clock.Elapsed - recorded).TotalSeconds:F1} s checking");
        var perPoint = run.Cuts.GroupBy(c => c.Point).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}");
        TestContext.Progress.WriteLine($"power-loss suite: cuts per point: {string.Join(", ", perPoint)}");
        Assert.That(run.Cuts.Select(c => c.Point).Distinct(), Is.SupersetOf(new[]
        {
            KillPoints.StateWriteBeforeRename, KillPoints.StateWriteAfterRename, KillPoints.StateDeleteBefore,
                KillPoints.StateDeleteAfter,
            KillPoints.JournalSyncBefore, KillPoints.JournalSyncAfter, KillPoints.JournalCompactAfterSnapshot,
                KillPoints.JournalCompactAfterTruncate,
        }), "every point that writes the state was cut at");
    }

    /// <summary>
    /// A network with a container; its dockerd is killed, and the next one re-creates the network (requesting its pool
    /// and gateway again), which drops the earlier endpoint; then a container of the new dockerd, and the network is
    /// forgotten (<c>l2vlan forget</c>: Docker no longer knows it).
    /// </summary>
    private static void RecreateAndForget(PowerCuts run, Random random)
    {
        var net = SuiteNetwork.All[random.Next(SuiteNetwork.All.Length)];
        var networkId = Id(random);
        DockerCall[] create =
        [
            new("/IpamDriver.RequestPool", $$$"""
                {"AddressSpace": "l2vlan", "Pool": "{{{net.Subnet}}}", "SubPool": "{{{net.Range}}}", "Options": {},
                 "V6": false}
                """),
            new("/IpamDriver.RequestAddress", $$$"""
                {"PoolID": "{{{net.PoolId}}}", "Address": "{{{net.Gateway}}}",
                 "Options": {"RequestAddressType": "com.docker.network.gateway"}}
                """),
            new("/NetworkDriver.CreateNetwork", $$$"""
                {"NetworkID": "{{{networkId}}}",
                 "Options": {"com.docker.network.enable_ipv6": false,
                  "com.docker.network.generic": {"bridge_name": "{{{net.Bridge}}}", "ext_if": "{{{PowerCuts.Nic}}}",
                   "vlan_id": "{{{net.VlanId}}}", "dad": "off"}},
                 "IPv4Data": [{"AddressSpace": "l2vlan", "Gateway": "{{{net.Gateway}}}/{{{net.Prefix}}}",
                  "Pool": "{{{net.Subnet}}}"}],
                 "IPv6Data": []}
                """),
        ];
        DockerCall[] Container(string endpointId) =>
        [
            new("/IpamDriver.RequestAddress", $$$"""{"PoolID": "{{{net.PoolId}}}", "Address": "", "Options": null}""",
                Grants: net.Address),
            new("/NetworkDriver.CreateEndpoint", $$$"""
                {"NetworkID": "{{{networkId}}}", "EndpointID": "{{{endpointId}}}",
                 "Interface": {"Address": "{{{net.Address}}}/{{{net.Prefix}}}", "AddressIPv6": "", "MacAddress": ""},
                 "Options": {}}
                """),
            new("/NetworkDriver.Join", $$$"""
                {"NetworkID": "{{{networkId}}}", "EndpointID": "{{{endpointId}}}",
                 "SandboxKey": "/var/run/docker/netns/{{{endpointId[..12]}}}", "Options": {}}
                """),
        ];
        foreach (var call in create.Concat(Container(Id(random)))) run.Send(call);
        // dockerd is killed: what it was granted is nobody's but the network record's now.
        run.DockerLets(net.Address);
        foreach (var call in create) run.Send(call);
        foreach (var call in Container(Id(random))) run.Send(call);
        run.DockerLets(net.Address);
        run.Do($"forget {networkId}", () => run.State.Driver.ForgetNetwork(networkId));
        run.State.WaitForDeletes();
        // The earlier dockerd's pool requests, and what forget released, leave the pools; the next cycle starts clean.
        foreach (var pool in run.State.IpamService.Pools.ToList())
        {
            while (run.State.IpamService.Pools.Any(p => p.Id == pool.Id))
                run.Send(new("/IpamDriver.ReleasePool", $$$"""{"PoolID": "{{{pool.Id}}}"}"""));
        }
    }

    private static void AssertNoProblems(PowerCuts run)
    {
        run.Stop();
        Assert.That(run.Cuts, Is.Not.Empty);
        // Many cuts leave the same folder (a sync that found nothing new, a point of the next write): each is checked
        // once.
        var distinct = run.Cuts.GroupBy(PowerCuts.Fingerprint).Select(g => g.First()).ToList();
        var failed = distinct.Select(cut => (cut, Problems: PowerCuts.Problems(cut))).Where(c => c.Problems.Count > 0)
            .ToList();
        TestContext.Progress.WriteLine($"power cuts: {run.Cuts.Count}, {distinct.Count} distinct folders checked, " +
            $"{failed.Count} with problems");
        Assert.That(failed.Select(f => $"cut at {f.cut.Point} during {f.cut.During}: {string.Join("; ", f.Problems)}")
            .Distinct().Take(10), Is.Empty,
            $"{failed.Count} of {distinct.Count} distinct power cuts leave state that loses or leaks");
    }

    private static string Id(Random random) =>
        Convert.ToHexStringLower(Enumerable.Range(0, 32).Select(_ => (byte)random.Next(256)).ToArray());
}
