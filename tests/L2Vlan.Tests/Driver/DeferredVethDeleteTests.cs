using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>
/// DeleteEndpoint answers before the kernel deletes the veth (Driver/VethReaper): recorded first, deleted in the
/// background, never leaked by a crash, its name never reused while the old link may exist, and gone before its bridge.
/// </summary>
public class DeferredVethDeleteTests : StateOnEno1
{
    private readonly ManualResetEventSlim _release = new(false);

    [SetUp]
    public void SetUp()
    {
        _release.Reset(); // one fixture instance runs every test
        _state.Driver.CreateNetwork(Networks.Vlan2000("net1", Networks.Subnet("192.168.1.0/24")));
    }

    [TearDown]
    public void TearDown()
    {
        _release.Set();
        _state.WaitForDeletes();
    }

    /// <summary>The background deleter's thread waits before, or after, each delete until released.</summary>
    private void HoldBackgroundDeletes(bool afterTheDelete = false)
    {
        Action<string> hold = _ =>
            { if (Thread.CurrentThread.Name == VethReaper.ThreadName) _release.Wait(TimeSpan.FromSeconds(10)); };
        if (afterTheDelete) _state.Links.AfterDelete = hold;
        else _state.Links.BeforeDelete = hold;
    }

    private string Plugged(string endpoint, string address)
    {
        InterfaceAddress.TryParse(address, out var parsed);
        _state.Driver.CreateEndpoint("net1", endpoint, parsed, null, null);
        return _state.Driver.Join("net1", endpoint).ContainerVeth;
    }

    private NetworkRecord OnDisk() => _state.Networks.LoadAll().Single().Value;

    [Test]
    public void The_answer_comes_before_the_delete_and_the_veth_is_recorded_until_it_is_gone()
    {
        var container = Plugged("e1", "192.168.1.4/24");
        var host = _state.Driver.Endpoint("net1", "e1")!.Value.Endpoint.HostVeth!;
        HoldBackgroundDeletes();

        var answered = Task.Run(() => _state.Driver.DeleteEndpoint("net1", "e1")).Wait(TimeSpan.FromSeconds(5));

        Assert.That(answered, "DeleteEndpoint answered while the kernel's delete was held");
        Assert.That(_state.Links.FindLink(container), Is.Not.Null, "the link is still there");
        Assert.That(OnDisk().PendingVethDeletes, Is.EqualTo(new[] { host }), "saved as to delete before the answer");
        _release.Set();
        _state.WaitForDeletes();
        Assert.That(_state.Links.FindLink(container), Is.Null);
        Assert.That(_state.Links.FindLink(host), Is.Null);
        Assert.That(OnDisk().PendingVethDeletes, Is.Empty, "dropped from the record once deleted");
    }

    [Test]
    public void A_crash_before_the_background_delete_leaks_nothing_the_next_start_deletes_it()
    {
        var container = Plugged("e1", "192.168.1.4/24");
        HoldBackgroundDeletes();
        _state.Driver.DeleteEndpoint("net1", "e1");
        var crashed = _state.Reaper;

        _state.Restart(); // the old service's deleter never got to it

        Assert.That(_state.Links.FindLink(container), Is.Null, "start-up finished the recorded delete");
        Assert.That(OnDisk().PendingVethDeletes, Is.Empty);
        _release.Set();
        SpinWait.SpinUntil(() => crashed.Idle, TimeSpan.FromSeconds(10));
    }

    [Test]
    public void A_name_is_not_reused_while_its_old_link_may_still_exist()
    {
        var first = Plugged("e1", "192.168.1.4/24");
        HoldBackgroundDeletes(afterTheDelete: true); // the link is gone, its record not yet dropped
        _state.Driver.DeleteEndpoint("net1", "e1");
        SpinWait.SpinUntil(() => _state.Links.FindLink(first) is null, TimeSpan.FromSeconds(5));

        var second = Plugged("e1", "192.168.1.4/24");

        Assert.That(second, Is.Not.EqualTo(first), "a re-created endpoint of the same ID gets other names until the " +
            "old delete is recorded");
        _release.Set();
        _state.WaitForDeletes();
        Assert.That(_state.Links.FindLink(second), Is.Not.Null, "the deleter did not touch the new pair");
    }

    [Test]
    public void Deleting_the_network_deletes_its_pending_veths_before_the_bridge()
    {
        var container = Plugged("e1", "192.168.1.4/24");
        HoldBackgroundDeletes();
        _state.Driver.DeleteEndpoint("net1", "e1");

        _state.Driver.DeleteNetwork("net1");

        Assert.That(_state.Links.FindLink(container), Is.Null, "the veth went with the network");
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Null);
        Assert.That(_state.Files("networks"), Is.Empty);
    }
}
