using System.Net;
using L2Vlan.Domain;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Ipam;

/// <summary>
/// A pool lives as long as any network that requested it. The calls come in Docker's order:
/// RequestPool, the gateway, CreateNetwork; and to delete,
/// ReleaseAddress of the gateway, ReleasePool, DeleteNetwork.
/// </summary>
public class PoolHoldersTests : StateOnEno1
{
    private const string Subnet = "192.168.2.0/24";
    private const string Router = "192.168.2.1";

    private string RequestPool(string? range = null) =>
        _state.IpamService.RequestPool(Cidr.ParseNetwork(Subnet, "--subnet"), range is null ? null
            : Cidr.ParseNetwork(range, "--ip-range"), v6: false);

    /// <summary>`docker network create` of an l2vlan network on <see cref="Subnet"/>; returns its pool ID.</summary>
    private string CreateNetwork(string id, string? range = null)
    {
        var pool = RequestPool(range);
        _state.IpamService.RequestAddress(pool, IPAddress.Parse(Router), gateway: true);
        _state.Driver.CreateNetwork(Networks.Vlan2000(id, Networks.Subnet(Subnet, Router)));
        return pool;
    }

    /// <summary>`docker network rm` as Docker 20.10 sends it: the pool is released before the network is
    /// deleted.</summary>
    private void RemoveNetwork(string id, string pool)
    {
        _state.IpamService.ReleaseAddress(pool, IPAddress.Parse(Router));
        _state.IpamService.ReleasePool(pool);
        _state.Driver.DeleteNetwork(id);
    }

    /// <summary>A container on the network: its address and its endpoint. Returns the address.</summary>
    private string StartContainer(string network, string pool, string endpoint)
    {
        var address = _state.IpamService.RequestAddress(pool, null, gateway: false);
        _state.Driver.CreateEndpoint(network, endpoint, address, null, null);
        return address.ToString();
    }

    /// <summary>Every file of the pools' folder: snapshots and journals.</summary>
    private string[] PoolFolder() => Directory.GetFiles(Path.Combine(_state.Directory, "pools"))
        .Select(Path.GetFileName).OfType<string>().ToArray();

    [Test]
    public void Removing_one_network_leaves_the_pool_to_the_other_network_of_the_same_subnet()
    {
        var poolA = CreateNetwork("A");
        var poolB = CreateNetwork("B");
        Assert.That(poolB, Is.EqualTo(poolA), "the same subnet and no --ip-range: one pool");

        RemoveNetwork("A", poolA);

        Assert.That(StartContainer("B", poolB, "b1"), Is.EqualTo("192.168.2.2/24"),
            "B's next container gets an address");
        Assert.That(_state.IpamService.Pools.Single().Gateway, Is.EqualTo(IPAddress.Parse(Router)),
            "the router's address stays recorded");
    }

    [Test]
    public void The_same_holds_for_networks_that_share_a_range()
    {
        var poolA = CreateNetwork("A", "192.168.2.8/29");
        var poolB = CreateNetwork("B", "192.168.2.8/29");
        StartContainer("A", poolA, "a1");

        _state.IpamService.ReleaseAddress(poolA, IPAddress.Parse("192.168.2.8"));
        RemoveNetwork("A", poolA);

        Assert.That(StartContainer("B", poolB, "b1"), Is.EqualTo("192.168.2.8/24"));
    }

    [Test]
    public void The_last_network_takes_the_pool_and_its_file_with_it()
    {
        var poolA = CreateNetwork("A");
        var poolB = CreateNetwork("B");
        RemoveNetwork("A", poolA);
        Assert.That(_state.Files("pools"), Has.Exactly(1).Items);

        RemoveNetwork("B", poolB);

        Assert.That(_state.IpamService.Pools, Is.Empty);
        Assert.That(_state.Files("pools"), Is.Empty);
    }

    [Test]
    public void With_one_network_per_fixed_address_each_removed_network_takes_its_pool_while_others_keep_the_subnet()
    {
        var kept = CreateNetwork("kept", "192.168.2.10/32");
        StartContainer("kept", kept, "k1");
        var removed = Enumerable.Range(11, 5)
            .Select(i => (Id: $"n{i}", Pool: CreateNetwork($"n{i}", $"192.168.2.{i}/32"))).ToList();
        foreach (var (id, pool) in removed) StartContainer(id, pool, "e" + id);
        Assert.That(PoolFolder(), Has.Exactly(12).Items, "a snapshot and a journal per pool");

        foreach (var (id, pool) in removed)
        {
            var address = IPAddress.Parse("192.168.2." + id[1..]);
            _state.Driver.DeleteEndpoint(id, "e" + id);
            _state.IpamService.ReleaseAddress(pool, address);
            RemoveNetwork(id, pool);
        }

        Assert.That(_state.IpamService.Pools.Select(p => p.Id), Is.EqualTo(new[] { kept }),
            "the removed networks' pools are gone");
        Assert.That(PoolFolder(), Has.Exactly(2).Items, "their snapshots and journals too");
        Assert.That(_state.IpamService.Pools.Single().Gateway, Is.EqualTo(IPAddress.Parse(Router)),
            "the router's address stays recorded by the pool left");
        Assert.Throws<UserError>(() => _state.IpamService.RequestAddress(kept, IPAddress.Parse(Router), gateway: false),
            "and stays out of reach");
    }

    [Test]
    public void A_pool_whose_gateway_no_other_pool_holds_stays_until_its_network_is_deleted()
    {
        // The last network of the subnet, removed in Docker 20.10's order: its gateway stays taken until DeleteNetwork.
        var only = CreateNetwork("only", "192.168.2.10/32");
        _state.IpamService.ReleaseAddress(only, IPAddress.Parse(Router));
        _state.IpamService.ReleasePool(only);
        Assert.That(PoolFolder(), Has.Exactly(2).Items, "the network still names its gateway");

        _state.Driver.DeleteNetwork("only");

        Assert.That(PoolFolder(), Is.Empty);
    }

    [Test]
    public void A_pool_released_after_its_network_was_deleted_goes_at_once()
    {
        // Newer engines may delete the network first and release the pool next.
        var pool = CreateNetwork("A");
        _state.IpamService.ReleaseAddress(pool, IPAddress.Parse(Router));
        _state.Driver.DeleteNetwork("A");
        Assert.That(_state.Files("pools"), Has.Exactly(1).Items, "still held: Docker has not released it yet");

        _state.IpamService.ReleasePool(pool);

        Assert.That(_state.Files("pools"), Is.Empty);
    }

    [Test]
    public void A_create_that_docker_rolls_back_leaves_no_pool()
    {
        var pool = RequestPool();
        _state.IpamService.RequestAddress(pool, IPAddress.Parse(Router), gateway: true);
        // CreateNetwork failed (say, a bad -o): Docker releases what it requested.
        _state.IpamService.ReleaseAddress(pool, IPAddress.Parse(Router));
        _state.IpamService.ReleasePool(pool);

        Assert.That(_state.Files("pools"), Is.Empty);
    }

    [Test]
    public void A_pool_with_an_address_still_handed_out_stays_until_the_address_is_released()
    {
        // A network of another driver (no l2vlan network record) on l2vlan's IPAM, its pool released out of order.
        var pool = RequestPool();
        var address = _state.IpamService.RequestAddress(pool, null, gateway: false);
        _state.IpamService.ReleasePool(pool);
        Assert.That(_state.Files("pools"), Has.Exactly(1).Items);

        _state.IpamService.ReleaseAddress(pool, address.Address);

        Assert.That(_state.Files("pools"), Is.Empty);
    }

    [Test]
    public void The_count_of_requests_survives_a_restart_of_the_service()
    {
        var pool = RequestPool("192.168.2.8/29");
        RequestPool("192.168.2.8/29");
        Assert.That(PoolStore.Peek(_state.Pools.Directory, NullLogger.Instance).Single().Holders, Is.EqualTo(2),
            "on disk (snapshot and journal)");
        _state.Restart();

        _state.IpamService.ReleasePool(pool);
        Assert.That(_state.IpamService.RequestAddress(pool, null, gateway: false).ToString(),
            Is.EqualTo("192.168.2.8/24"));
        _state.IpamService.ReleaseAddress(pool, IPAddress.Parse("192.168.2.8"));
        _state.Restart();
        _state.IpamService.ReleasePool(pool);

        Assert.That(_state.Files("pools"), Is.Empty);
    }

    [Test]
    public void A_pool_of_the_previous_release_is_kept_while_a_network_of_its_subnet_remains()
    {
        // Two networks shared it, but the previous release wrote no count: it loads as one request.
        CreateNetwork("A");
        CreateNetwork("B");
        var file = _state.Files("pools").Single();
        File.WriteAllText(Path.Combine(_state.Directory, "pools", file), """
            {
              "Id": "192.168.2.0/24",
              "Subnet": "192.168.2.0/24",
              "Gateway": "192.168.2.1",
              "Allocations": []
            }
            """);
        _state.Restart();

        RemoveNetwork("A", Subnet);
        Assert.That(StartContainer("B", Subnet, "b1"), Is.EqualTo("192.168.2.2/24"), "B still has its pool");
        _state.IpamService.ReleaseAddress(Subnet, IPAddress.Parse("192.168.2.2"));
        RemoveNetwork("B", Subnet);

        Assert.That(_state.Files("pools"), Is.Empty, "and it goes with the last network of its subnet");
    }

    [Test]
    public void A_dockerd_that_was_stopped_and_started_leaves_the_count_as_it_was()
    {
        // A clean stop deletes the swarm networks (their pools released); the next dockerd creates them again.
        var pool = CreateNetwork("swarm1");
        RemoveNetwork("swarm1", pool);
        pool = CreateNetwork("swarm1");
        RemoveNetwork("swarm1", pool);

        Assert.That(_state.Files("pools"), Is.Empty);
    }

    [Test]
    public void The_request_of_a_killed_dockerd_is_dropped_when_the_next_one_re_creates_the_network()
    {
        var pool = CreateNetwork("swarm1", "192.168.2.8/29");
        CreateNetwork("swarm2", "192.168.2.8/29");
        StartContainer("swarm1", pool, "old1");
        StartContainer("swarm2", pool, "old2");

        // dockerd is killed: nothing is released. The next one re-creates both networks under the same IDs.
        CreateNetwork("swarm1", "192.168.2.8/29");
        CreateNetwork("swarm2", "192.168.2.8/29");
        Assert.That(_state.IpamService.Pools.Single().Holders, Is.EqualTo(2), "one request per network, not four");

        RemoveNetwork("swarm1", pool);
        Assert.That(StartContainer("swarm2", pool, "new2"), Is.EqualTo("192.168.2.8/24"), "swarm2 keeps its pool");
        _state.IpamService.ReleaseAddress(pool, IPAddress.Parse("192.168.2.8"));
        RemoveNetwork("swarm2", pool);

        Assert.That(_state.Files("pools"), Is.Empty, "not held forever by the killed dockerd");
    }
}
