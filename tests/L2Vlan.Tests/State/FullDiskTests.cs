using System.Net;
using System.Text.Json;
using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.State;

/// <summary>
/// A state disk that refuses writes (full, a quota, read-only): each call that must write is refused with a clear
/// error, memory stays as the disk holds it, nothing is made that no record names, and once the disk takes writes
/// again the same call succeeds. A failing fsync stops the service, once.
/// </summary>
[NonParallelizable]
public class FullDiskTests : StateOnEno1
{
    private RefusingStateDisk _disk = null!;

    private static readonly Cidr Subnet = Cidr.ParseNetwork("10.40.0.0/24", "subnet");
    private static readonly IPAddress Fixed = IPAddress.Parse("10.40.0.50");

    [SetUp]
    public void SetUp()
    {
        _disk = new RefusingStateDisk();
    }

    [TearDown]
    public void TearDown()
    {
        _disk.Dispose();
    }

    private static NetworkSpec Network(string id) => new(
        id,
        new Dictionary<string, string> { ["vlan_id"] = "2040", ["ext_if"] = "eno1", ["bridge_name"] = "vlan2040" },
        false,
        [new SubnetRecord(Subnet, new InterfaceAddress(IPAddress.Parse("10.40.0.1"), 24))],
        []);

    private string PoolWithGateway()
    {
        var pool = _state.IpamService.RequestPool(Subnet, null, v6: false);
        _state.IpamService.RequestAddress(pool, IPAddress.Parse("10.40.0.1"), gateway: true);
        return pool;
    }

    [Test]
    public void A_fixed_address_refused_on_a_full_disk_is_granted_once_space_is_back()
    {
        var pool = PoolWithGateway();
        _disk.Full = true;
        var refused = Assert.Throws<StateDiskFullException>(() =>
            _state.IpamService.RequestAddress(pool, Fixed, gateway: false));
        Assert.That(refused!.Message,
            Does.Contain("no space left on the state disk").And.Not.Contain(_state.Directory));
        Assert.That(_disk.Refusals, Is.GreaterThan(0));
        AssertMemoryEqualsDisk();
        Assert.That(_state.IpamService.Pools.Single().Find(Fixed), Is.Null,
            "the refused address is not held in memory");

        _disk.Full = false;
        Assert.That(_state.IpamService.RequestAddress(pool, Fixed, gateway: false).Address, Is.EqualTo(Fixed),
            "not 'already in use'");
        AssertMemoryEqualsDisk();
    }

    [Test]
    public void A_pool_refused_on_a_full_disk_is_neither_kept_nor_left_as_files()
    {
        _disk.Full = true;
        Assert.Throws<StateDiskFullException>(() => _state.IpamService.RequestPool(Subnet, null, v6: false));
        Assert.That(_state.IpamService.Pools, Is.Empty);
        Assert.That(Directory.EnumerateFiles(Path.Combine(_state.Directory, "pools")), Is.Empty,
            "no journal or temporary file is left");

        _disk.Full = false;
        Assert.That(PoolWithGateway(), Is.EqualTo(Subnet.ToString()));
        AssertMemoryEqualsDisk();
    }

    [Test]
    public void A_release_refused_on_a_full_disk_keeps_the_address_held_in_memory_as_on_disk()
    {
        var pool = PoolWithGateway();
        _state.IpamService.RequestAddress(pool, Fixed, gateway: false);
        _state.IpamService.RequestPool(Subnet, null, v6: false);
        _disk.Full = true;
        Assert.Throws<StateDiskFullException>(() => _state.IpamService.ReleaseAddress(pool, Fixed));
        Assert.Throws<StateDiskFullException>(() => _state.IpamService.ReleasePool(pool));
        AssertMemoryEqualsDisk();
        Assert.That(_state.IpamService.Pools.Single().Holders, Is.EqualTo(2), "the refused ReleasePool did not count");

        _disk.Full = false;
        _state.IpamService.ReleaseAddress(pool, Fixed);
        Assert.That(_state.IpamService.Pools.Single().Find(Fixed), Is.Null);
        AssertMemoryEqualsDisk();
    }

    [Test]
    public void A_refused_append_that_got_part_of_its_bytes_out_is_cut_off_before_a_crash_could_replay_it()
    {
        var pool = PoolWithGateway();
        _disk.PartOfARefusedAppend = 1;
        _disk.Refuse = path => path.EndsWith(".journal", StringComparison.Ordinal);
        Assert.Throws<StateDiskFullException>(() => _state.IpamService.RequestAddress(pool, Fixed, gateway: false));
        _disk.Refuse = null;
        // A crash now: the next start replays what the journal holds.
        _state.Restart();
        Assert.That(_state.IpamService.Pools.Single().Find(Fixed), Is.Null, "a refused grant is not in the journal");
        Assert.That(_state.IpamService.RequestAddress(pool, Fixed, gateway: false).Address, Is.EqualTo(Fixed));
    }

    [Test]
    public void A_network_whose_record_is_refused_leaves_no_bridge_sub_interface_or_rule()
    {
        PoolWithGateway();
        _disk.Refuse = path => path.Contains("/networks/", StringComparison.Ordinal);
        Assert.Throws<StateDiskFullException>(() => _state.Driver.CreateNetwork(Network("net1")));
        Assert.That(_state.Links.FindLink("vlan2040"), Is.Null, "bridge");
        Assert.That(_state.Links.FindLink("eno1.2040"), Is.Null, "VLAN sub-interface");
        Assert.That(_state.Firewall.Accepted, Is.Empty, "accept rule");
        Assert.That(_state.Driver.Networks, Is.Empty);
        Assert.That(_state.Driver.Bridges, Is.Empty);
        Assert.That(_state.Files("bridges"), Is.Empty);

        _disk.Refuse = null;
        _state.Driver.CreateNetwork(Network("net1"));
        Assert.That(_state.Links.FindLink("vlan2040"), Is.Not.Null);
        AssertMemoryEqualsDisk();
    }

    [Test]
    public void Endpoint_changes_refused_on_a_full_disk_leave_the_record_in_memory_as_on_disk()
    {
        PoolWithGateway();
        _state.Driver.CreateNetwork(Network("net1"));
        _disk.Full = true;
        Assert.Throws<StateDiskFullException>(() =>
            _state.Driver.CreateEndpoint("net1", "e1", new InterfaceAddress(Fixed, 24), null, null));
        Assert.That(_state.Driver.Endpoint("net1", "e1"), Is.Null, "a refused endpoint is not known");
        AssertMemoryEqualsDisk();

        _disk.Full = false;
        _state.Driver.CreateEndpoint("net1", "e1", new InterfaceAddress(Fixed, 24), null, null);
        _disk.Full = true;
        Assert.Throws<StateDiskFullException>(() => _state.Driver.Join("net1", "e1"));
        Assert.That(_state.Links.ListLinks().Where(l => l.Kind == "veth"), Is.Empty,
            "no veth is made before its names are recorded");
        AssertMemoryEqualsDisk();

        _disk.Full = false;
        _state.Driver.Join("net1", "e1");
        var veth = _state.Driver.Endpoint("net1", "e1")!.Value.Endpoint.HostVeth!;
        _disk.Full = true;
        Assert.Throws<StateDiskFullException>(() => _state.Driver.DeleteEndpoint("net1", "e1"));
        var kept = _state.Driver.Endpoint("net1", "e1")!.Value.Endpoint;
        Assert.That((kept.Deleted, kept.HostVeth), Is.EqualTo((false, veth)), "the refused delete is undone in memory");
        Assert.That(_state.Links.FindLink(veth), Is.Not.Null, "its veth stays while its record names it");
        AssertMemoryEqualsDisk();

        _disk.Full = false;
        _state.Driver.DeleteEndpoint("net1", "e1");
        _state.WaitForDeletes();
        Assert.That(_state.Links.FindLink(veth), Is.Null);
        AssertMemoryEqualsDisk();
    }

    [Test]
    public void A_failed_fsync_of_a_state_folder_is_reported_once_to_stop_the_service()
    {
        PoolWithGateway();
        var reported = new List<StateDiskFailedException>();
        StateDisk.OnSyncFailure = reported.Add;
        try
        {
            _disk.SyncsFail = true;
            Assert.Throws<StateDiskFailedException>(() => _state.Driver.CreateNetwork(Network("net1")));
            Assert.That(reported, Has.Count.EqualTo(1));
            Assert.That(reported[0].Message, Does.Contain("failed to sync"));
        }
        finally
        {
            StateDisk.OnSyncFailure = null;
            _disk.SyncsFail = false;
        }
    }

    [Test]
    public void A_failed_fsync_of_a_journal_is_fatal_and_a_refused_append_is_not()
    {
        var fatal = new List<Exception>();
        var commits = new GroupCommit(fatal.Add);
        var path = Path.Combine(_state.Directory, "j.journal");
        Directory.CreateDirectory(_state.Directory);
        using var file = StateDisk.Current.Open(path, FileMode.Create);
        _disk.Full = true;
        Assert.Throws<StateDiskFullException>(() => commits.Append(file, 0, "x"u8));
        Assert.That(fatal, Is.Empty, "a refused write is not fatal");
        _disk.Full = false;
        var ticket = commits.Append(file, 0, "x"u8);
        _disk.SyncsFail = true;
        Assert.Throws<StateDiskFailedException>(() => commits.WaitDurable(ticket));
        Assert.That(fatal, Has.Count.EqualTo(1));
        _disk.SyncsFail = false;
    }

    /// <summary>What the service holds in memory is what a fresh start would read from its folder.</summary>
    private void AssertMemoryEqualsDisk()
    {
        var disk = StateView.Read(_state.Directory, NullLogger.Instance);
        Assert.That(Pools(_state.IpamService.Pools), Is.EqualTo(Pools(disk.Pools)), "pools in memory and on disk");
        Assert.That(Networks(_state.Driver.Networks), Is.EqualTo(Networks(disk.Networks)),
            "network records in memory and on disk");
    }

    private static List<string> Pools(IEnumerable<AddressPool> pools) =>
        pools.OrderBy(p => p.Id, StringComparer.Ordinal)
            .Select(p => $"{p.Id} holders {p.Holders} gateways {string.Join(",", p.Gateways)} holds " +
                string.Join(",", p.Allocations.Select(a => $"{a.Address}/{a.Kind}").Order()))
            .ToList();

    private static List<string> Networks(IEnumerable<NetworkRecord> networks) =>
        networks.OrderBy(n => n.NetworkId, StringComparer.Ordinal)
            .Select(n => JsonSerializer.Serialize(n, StateJsonContext.Default.NetworkRecord)).ToList();
}
