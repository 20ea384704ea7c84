using System.Net;
using L2Vlan.Domain;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Ipam;

/// <summary>At start the pools are checked against the networks' records: a lost pool file never frees a running
/// container's address.</summary>
public class IpamRecoveryTests : StateOnEno1
{
    private static readonly Cidr Subnet = Cidr.ParseNetwork("192.168.1.0/24", "subnet");
    private static readonly InterfaceAddress Gateway = new(IPAddress.Parse("192.168.1.1"), 24);

    private string Pool(string range) =>
        _state.IpamService.RequestPool(Subnet, Cidr.ParseNetwork(range, "--ip-range"), v6: false);

    private string Address(string pool, string? wanted = null) =>
        _state.IpamService.RequestAddress(pool, wanted is null ? null : IPAddress.Parse(wanted), gateway: false)
            .ToString();

    /// <summary>The pool's file moved to quarantine, as a start killed right after quarantining it left it (or a
    /// release that did not yet bring such pools back).</summary>
    private void QuarantinedAtAnEarlierStart(string poolId)
    {
        var file = _state.Pools.PathOf(AddressPool.FileKey(poolId));
        Directory.CreateDirectory(_state.Pools.QuarantineDirectory);
        File.Move(file,
            Path.Combine(_state.Pools.QuarantineDirectory, Path.GetFileName(file) + ".20261126T101010000Z"));
    }

    /// <summary>What Docker does for `docker network create` on <paramref name="range"/> and `docker run` on it, as far
    /// as l2vlan sees it.</summary>
    private string NetworkWithContainer(string network, string range, string? aux = null)
    {
        var pool = Pool(range);
        _state.IpamService.RequestAddress(pool, IPAddress.Parse("192.168.1.1"), gateway: true);
        if (aux is not null) Address(pool, aux);
        _state.Driver.CreateNetwork(Networks.Vlan2000(network, new SubnetRecord(Subnet, Gateway)) with
        {
            AuxAddresses = aux is null ? [] : [IPAddress.Parse(aux)],
        });
        var address = _state.IpamService.RequestAddress(pool, null, gateway: false);
        _state.Driver.CreateEndpoint(network, "e-" + network, address, null, null);
        _state.Driver.Join(network, "e-" + network);
        return pool;
    }

    private void CorruptPoolFile(string pool) =>
        File.WriteAllText(_state.Pools.PathOf(AddressPool.FileKey(pool)), "{ \"Id\": \"" + pool + "\", ");

    [Test]
    public void A_pool_left_by_a_delete_cut_short_between_the_networks_record_and_its_pool_goes_at_the_next_start()
    {
        var pool = Pool("192.168.1.4/32");
        _state.IpamService.RequestAddress(pool, Gateway.Address, gateway: true);
        _state.Driver.CreateNetwork(Networks.Vlan2000("net1", new SubnetRecord(Subnet, Gateway)));
        // Docker 20.10's order: the gateway and the pool are released before DeleteNetwork; the network keeps the
        // pool (its gateway) until it goes.
        _state.IpamService.ReleaseAddress(pool, Gateway.Address);
        _state.IpamService.ReleasePool(pool);
        Assert.That(_state.IpamService.Pools.Select(p => p.Id), Does.Contain(pool), "kept while the network is");
        // DeleteNetwork killed after the network's record went, before the IPAM heard of it.
        _state.Networks.Delete("net1");

        _state.Restart();

        Assert.That(_state.IpamService.Pools, Is.Empty);
        Assert.That(File.Exists(_state.Pools.PathOf(AddressPool.FileKey(pool))), Is.False, "its file is gone");
    }

    [Test]
    public void A_pool_that_a_request_still_holds_stays_at_start_without_a_network()
    {
        var pool = Pool("192.168.1.4/32");

        _state.Restart();

        Assert.That(_state.IpamService.Pools.Select(p => p.Id), Is.EqualTo(new[] { pool }),
            "Docker requested it and has not released it (a network of another driver, or one being created)");
    }

    [Test]
    public void A_corrupt_pool_file_is_re_created_and_the_running_container_keeps_its_address()
    {
        var pool = NetworkWithContainer("net1", "192.168.1.4/30", aux: "192.168.1.200");
        Assert.That(_state.Driver.Endpoint("net1", "e-net1")!.Value.Endpoint.Address.ToString(),
            Is.EqualTo("192.168.1.4/24"));
        CorruptPoolFile(pool);

        _state.Restart();

        Assert.That(Directory.EnumerateFiles(_state.Pools.QuarantineDirectory, "*.json.*").Count(), Is.EqualTo(1));
        Assert.That(Address(pool), Is.EqualTo("192.168.1.5/24"),
            "the next container does not get the running one's .4");
        Assert.That(Assert.Throws<UserError>(() => Address(pool, "192.168.1.4"))!.Message, Does.Contain("in use"));
        Assert.That(Assert.Throws<UserError>(() => Address(pool, "192.168.1.1"))!.Message, Does.Contain("gateway"));
        Assert.That(Address(pool, "192.168.1.200"), Is.EqualTo("192.168.1.200/24"),
            "the --aux-address is held as one, so Docker's replay is no conflict");
        var wide = _state.IpamService.RequestPool(Subnet, null, v6: false);
        Assert.That(Assert.Throws<UserError>(() => Address(wide, "192.168.1.200"))!.Message, Does.Contain("in use"));

        _state.IpamService.ReleaseAddress(pool, IPAddress.Parse("192.168.1.4"));
        Assert.That(Address(pool), Is.EqualTo("192.168.1.4/24"), "Docker's own pool ID still releases it");
    }

    [Test]
    public void A_pool_whose_journal_has_a_newer_releases_record_is_re_created_keeping_the_running_containers_address()
    {
        var pool = NetworkWithContainer("net1", "192.168.1.4/30");
        var journal = Path.Combine(_state.Pools.Directory, AddressPool.FileKey(pool) + ".journal");
        var next = JournalRecords.Decode(File.ReadAllBytes(journal)).Last().Sequence + 1;
        File.AppendAllBytes(journal, JournalRecords.Encode(next, "leased 192.168.1.6 Dynamic 3600"));

        Assert.DoesNotThrow(() => _state.Restart(), "the service starts");

        Assert.That(Directory.EnumerateFiles(_state.Pools.QuarantineDirectory).Count(), Is.EqualTo(2),
            "snapshot and journal");
        Assert.That(_state.Driver.Endpoint("net1", "e-net1"), Is.Not.Null, "the network is served");
        Assert.That(Address(pool), Is.EqualTo("192.168.1.5/24"),
            "the next container does not get the running one's .4");
        Assert.That(Assert.Throws<UserError>(() => Address(pool, "192.168.1.1"))!.Message, Does.Contain("gateway"));
    }

    [Test]
    public void A_fixed_address_of_a_quarantined_pool_is_not_handed_out_when_docker_asks_for_the_pool_again()
    {
        NetworkWithContainer("net1", "192.168.1.4/32");
        var net2 = NetworkWithContainer("net2", "192.168.1.6/32");
        CorruptPoolFile(net2);

        _state.Restart();

        Assert.That(Pool("192.168.1.6/32"), Is.EqualTo(net2));
        Assert.That(Assert.Throws<UserError>(() => Address(net2))!.Message, Does.Contain("no free address"));
        var wide = _state.IpamService.RequestPool(Subnet, null, v6: false);
        Assert.That(Address(wide), Is.EqualTo("192.168.1.2/24"));
        Assert.That(Enumerable.Range(0, 4).Select(_ => Address(wide)), Is.EqualTo(new[]
        {
            "192.168.1.3/24",
            "192.168.1.5/24",
            "192.168.1.7/24",
            "192.168.1.8/24",
        }),
            "neither .4 nor .6 is handed out");
    }

    [Test]
    public void A_pool_quarantined_at_an_earlier_start_comes_back_when_its_subnet_has_no_pool_left()
    {
        var pool = NetworkWithContainer("net1", "192.168.1.4/30");
        QuarantinedAtAnEarlierStart(pool);

        _state.Restart();

        Assert.That(_state.IpamService.Pools.Select(p => p.Id), Is.EqualTo(new[] { pool }));
        Assert.That(Address(pool), Is.EqualTo("192.168.1.5/24"));
        Assert.That(Assert.Throws<UserError>(() => Address(pool, "192.168.1.1"))!.Message, Does.Contain("gateway"));
    }

    [Test]
    public void A_pool_quarantined_at_an_earlier_start_comes_back_for_the_running_container_in_its_range()
    {
        NetworkWithContainer("net1", "192.168.1.4/32");
        var net2 = NetworkWithContainer("net2", "192.168.1.6/32");
        QuarantinedAtAnEarlierStart(net2);

        _state.Restart();

        Assert.That(_state.IpamService.Pools.Select(p => p.Id), Is.EquivalentTo(new[]
        {
            "192.168.1.0/24@192.168.1.4/32",
            net2,
        }));
        _state.IpamService.ReleaseAddress(net2, IPAddress.Parse("192.168.1.6"));
        Assert.That(Address(net2), Is.EqualTo("192.168.1.6/24"),
            "the container's fixed address is released to, and comes back from, its own pool");
    }

    [Test]
    public void A_network_on_another_ipam_gets_no_pool_from_l2vlan()
    {
        _state.Driver.CreateNetwork(Networks.Vlan2000("net1", new SubnetRecord(Subnet, Gateway)));
        _state.Driver.CreateEndpoint("net1", "e1", new InterfaceAddress(IPAddress.Parse("192.168.1.2"), 24), null,
            null);

        _state.Restart();

        Assert.That(_state.IpamService.Pools, Is.Empty);
        Assert.That(_state.Files("pools"), Is.Empty);
    }

    [Test]
    public void An_address_docker_released_just_before_a_crash_is_not_held_again()
    {
        var pool = NetworkWithContainer("net1", "192.168.1.4/32");
        _state.Driver.DeleteEndpoint("net1", "e-net1");
        // One process plays both services here: the first one's background deleter must be done before the "crash".
        _state.WaitForDeletes();
        var deleted = File.ReadAllBytes(_state.Networks.PathOf("net1"));
        _state.IpamService.ReleaseAddress(pool, IPAddress.Parse("192.168.1.4"));
        File.WriteAllBytes(_state.Networks.PathOf("net1"), deleted); // the crash came before the endpoint was forgotten

        _state.Restart();

        Assert.That(Address(pool), Is.EqualTo("192.168.1.4/24"), "the fixed address is free for the next container");
        Assert.That(_state.Driver.Endpoint("net1", "e-net1"), Is.Null, "the release was finished");
    }

    [Test]
    public void A_pool_id_is_read_back_from_its_file_name()
    {
        var ids = new[] { "192.168.1.0/24", "192.168.1.0/24@192.168.1.4/32", "2001:db8:20::/64@2001:db8:20::10/126" };
        foreach (var id in ids)
        {
            Assert.That(AddressPool.TryParseId(AddressPool.IdOfFileKey(AddressPool.FileKey(id)), out var subnet,
                out var range));
            Assert.That(AddressPool.MakeId(subnet, range), Is.EqualTo(id));
        }
        Assert.That(AddressPool.TryParseId("192.168.1.0/24@10.0.0.0/8", out _, out _), Is.False);
        Assert.That(AddressPool.TryParseId("not a pool", out _, out _), Is.False);
    }
}
