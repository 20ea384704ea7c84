using L2Vlan.Metrics;
using L2Vlan.Tests.Protocol;

namespace L2Vlan.Tests.Metrics;

/// <summary>The dispatcher counts each call Docker makes: answered, failed, its latency, where its time went.</summary>
public class CallCountersTests : DispatcherOverFakeKernel
{
    private const string Net = "zbup5992ml64i75r7mzhxdfnp";
    private const string Endpoint = "0474660acf3a9b54f0b6ae56b477ba6cb5c00945dd9203247b78ba0e99d25c62";

    private const string Ids = $"\"NetworkID\": \"{Net}\", \"EndpointID\": \"{Endpoint}\"";

    private CallSnapshot Of(string call) => Calls.Snapshot().Single(c => c.Name == call);

    private void CreateNetworkWithJoinedEndpoint()
    {
        Ok("/NetworkDriver.CreateNetwork", $$"""{"NetworkID": "{{Net}}", "Options": {"com.docker.network.generic": """
            + """{"ext_if": "eno1", "vlan_id": "2000", "dad": "off"}}, "IPv4Data": """
            + """[{"Gateway": "192.168.1.1/24", "Pool": "192.168.1.0/24"}]}""");
        Ok("/NetworkDriver.CreateEndpoint", "{" + Ids + """, "Interface": {"Address": "192.168.1.4/24"}}""");
        Ok("/NetworkDriver.Join", "{" + Ids + """, "SandboxKey": "/var/run/docker/netns/1"}""");
    }

    [Test]
    public void A_call_is_counted_with_its_latency_and_its_state_write()
    {
        Ok("/Plugin.Activate", "");
        Ok("/Plugin.Activate", "");
        CreateNetworkWithJoinedEndpoint();

        var activate = Of("Plugin.Activate");
        Assert.That((activate.Calls, activate.Errors), Is.EqualTo((2L, 0L)));
        Assert.That(activate.Buckets.Sum(), Is.EqualTo(2), "each call in one bucket of the histogram");
        var create = Of("NetworkDriver.CreateEndpoint");
        Assert.That(create.Calls, Is.EqualTo(1));
        Assert.That(create.Seconds, Is.GreaterThan(0));
        Assert.That(create.PhaseSeconds[(int)CallPhase.StateWrite],
            Is.GreaterThan(0).And.LessThanOrEqualTo(create.Seconds), "the endpoint's record written and fsynced");
        Assert.That(create.PhaseSeconds[(int)CallPhase.LockWait], Is.Zero, "nobody else held the network");
        Assert.That(Calls.Snapshot().Select(c => c.Name), Does.Not.Contain("NetworkDriver.Leave"),
            "a call never made is not listed");
    }

    [Test]
    public void A_refused_call_is_counted_as_an_error()
    {
        var (status, _) = Call("/NetworkDriver.Join", "{" + Ids + "}");
        Assert.That(status, Is.EqualTo(500));
        Ok("/Plugin.Activate", "");

        Assert.That((Of("NetworkDriver.Join").Calls, Of("NetworkDriver.Join").Errors), Is.EqualTo((1L, 1L)));
        Assert.That(Of("Plugin.Activate").Errors, Is.Zero);
    }

    [Test]
    public void A_call_that_waits_for_another_call_s_network_lock_shows_the_wait()
    {
        CreateNetworkWithJoinedEndpoint();
        using var deleting = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        // The network's delete holds its lock while it deletes the veth: held there until released.
        State.Links.BeforeDelete = _ =>
        {
            deleting.Set();
            release.Wait(TimeSpan.FromSeconds(10));
        };
        var delete = Task.Run(() => Call("/NetworkDriver.DeleteNetwork", $$$"""{"NetworkID": "{{{Net}}}"}"""));
        Assert.That(deleting.Wait(TimeSpan.FromSeconds(10)), "the delete reached the kernel");
        var info = Task.Run(() => Call("/NetworkDriver.EndpointOperInfo", "{" + Ids + "}"));
        Thread.Sleep(200);
        Assert.That(info.IsCompleted, Is.False, "the second call waits for the network");
        release.Set();
        Task.WaitAll(delete, info);

        var waiter = Of("NetworkDriver.EndpointOperInfo");
        Assert.That(waiter.PhaseSeconds[(int)CallPhase.LockWait],
            Is.GreaterThanOrEqualTo(0.15).And.LessThanOrEqualTo(waiter.Seconds));
        Assert.That(Of("NetworkDriver.DeleteNetwork").PhaseSeconds[(int)CallPhase.LockWait], Is.LessThan(0.1),
            "the holder did not wait");
    }

    [Test]
    public void Counting_allocates_nothing_once_a_call_was_seen()
    {
        var metrics = new CallMetrics();
        metrics.Begin("/NetworkDriver.Join").End(failed: false);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            var call = metrics.Begin("/NetworkDriver.Join");
            using (CallClock.Time(CallPhase.Kernel))
            {
            }
            call.End(failed: i % 2 == 0);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That((metrics.Snapshot()[0].Calls, metrics.Snapshot()[0].Errors), Is.EqualTo((1001L, 500L)));
    }
}
