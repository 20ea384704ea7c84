using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>
/// A Join makes its veth holding only its endpoint's lock: other endpoints of the network go on meanwhile, the
/// endpoint's own delete waits for it, and a network forgotten meanwhile keeps no veth of it.
/// </summary>
public class JoinConcurrencyTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(5);
    private TestState _state = null!;

    [SetUp]
    public void SetUp()
    {
        _state = TestState.WithNics("eno1");
        _state.Driver.CreateNetwork(new NetworkSpec("net1",
            new Dictionary<string, string> { ["vlan_id"] = "2000", ["ext_if"] = "eno1", ["dad"] = "off" }, false,
            [new SubnetRecord(Cidr.ParseNetwork("10.30.1.0/24", "subnet"), null)], []));
        foreach (var (endpoint, address) in new[] { ("e1", "10.30.1.11/24"), ("e2", "10.30.1.12/24") })
        {
            _state.Driver.CreateEndpoint("net1", endpoint,
                InterfaceAddress.TryParse(address, out var parsed) ? parsed : null, null, null);
        }
    }

    [TearDown]
    public void TearDown() => _state.Dispose();

    private static Task OnOwnThread(Action action) => Task.Factory.StartNew(action, TaskCreationOptions.LongRunning);

    private int Veths() => _state.Links.ListLinks().Count(l => l.Name.StartsWith("l2v", StringComparison.Ordinal));

    /// <summary>Holds the next veth creation until the returned event is set, setting
    /// <paramref name="entered"/>.</summary>
    private ManualResetEventSlim HoldVethCreation(ManualResetEventSlim entered)
    {
        var release = new ManualResetEventSlim();
        _state.Links.BeforeCreateVeth = _ =>
        {
            _state.Links.BeforeCreateVeth = null;
            entered.Set();
            release.Wait(TimeSpan.FromSeconds(10));
        };
        return release;
    }

    [Test]
    public void Two_Joins_on_one_network_make_their_veths_at_the_same_time()
    {
        // Each creation waits until the other is under way too: a network lock held over the kernel's work would
        // make this time out.
        using var both = new Barrier(2);
        _state.Links.BeforeCreateVeth = _ =>
        {
            if (!both.SignalAndWait(Quick))
                throw new TimeoutException("the other Join's veth was not being made meanwhile");
        };

        var joins = new[] { "e1", "e2" }.Select(e => OnOwnThread(() => _state.Driver.Join("net1", e))).ToArray();

        Assert.That(() => Task.WaitAll(joins), Throws.Nothing);
        Assert.That(Veths(), Is.EqualTo(2));
    }

    [Test]
    public void Another_endpoint_of_the_network_is_served_while_a_Join_makes_its_veth()
    {
        using var entered = new ManualResetEventSlim();
        using var release = HoldVethCreation(entered);
        var join = OnOwnThread(() => _state.Driver.Join("net1", "e1"));
        Assert.That(entered.Wait(Quick));

        var other = OnOwnThread(() => _state.Driver.DeleteEndpoint("net1", "e2"));

        Assert.That(other.Wait(Quick), Is.True, "the other endpoint's delete did not wait for the Join");
        release.Set();
        Assert.That(() => join.Wait(Quick), Is.True);
        Assert.That(_state.Driver.Endpoint("net1", "e1")!.Value.Endpoint.HostVeth, Is.Not.Null);
    }

    [Test]
    public void The_endpoint_s_own_delete_waits_for_its_veth_and_then_removes_it()
    {
        using var entered = new ManualResetEventSlim();
        using var release = HoldVethCreation(entered);
        var join = OnOwnThread(() => _state.Driver.Join("net1", "e1"));
        Assert.That(entered.Wait(Quick));

        var delete = OnOwnThread(() => _state.Driver.DeleteEndpoint("net1", "e1"));
        Assert.That(delete.Wait(TimeSpan.FromMilliseconds(300)), Is.False, "the delete waits for the Join");
        release.Set();

        Assert.That(() => Task.WaitAll(join, delete), Throws.Nothing);
        _state.WaitForDeletes();
        Assert.That(Veths(), Is.Zero, "the veth the Join made went with its endpoint");
    }

    [Test]
    public void A_Join_whose_network_is_forgotten_while_it_makes_its_veth_is_refused_and_keeps_no_veth()
    {
        using var entered = new ManualResetEventSlim();
        using var release = HoldVethCreation(entered);
        var join = OnOwnThread(() => _state.Driver.Join("net1", "e1"));
        Assert.That(entered.Wait(Quick));

        Assert.That(_state.Driver.ForgetNetwork("net1"), Is.True);
        release.Set();

        var refused = Assert.Throws<AggregateException>(() => join.Wait(Quick))!.InnerException;
        Assert.That(refused, Is.TypeOf<UserError>().With.Message.Contain("was removed during the Join"));
        Assert.That(Veths(), Is.Zero);
    }
}
