using System.Net;
using L2Vlan.Domain;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Ipam;

public class IpamServiceTests
{
    private TestState _state = null!;

    [SetUp]
    public void SetUp() => _state = new TestState();

    [TearDown]
    public void TearDown() => _state.Dispose();

    private string Pool(string subnet, string? range = null, bool v6 = false) =>
        _state.IpamService.RequestPool(Cidr.ParseNetwork(subnet, "--subnet"), range is null ? null
            : Cidr.ParseNetwork(range, "--ip-range"), v6);

    private string Address(string pool, string? wanted = null) =>
        _state.IpamService.RequestAddress(pool, wanted is null ? null : IPAddress.Parse(wanted), gateway: false)
            .ToString();

    private string Gateway(string pool, string? wanted) =>
        _state.IpamService.RequestAddress(pool, wanted is null ? null : IPAddress.Parse(wanted), gateway: true)
            .ToString();

    [Test]
    public void A_range_outside_the_subnet_is_refused()
    {
        var error = Assert.Throws<UserError>(() => Pool("192.168.1.0/24", "192.168.2.4/32"));
        Assert.That(error!.Message, Does.Contain("--ip-range 192.168.2.4/32").And.Contain("192.168.1.0/24"));
    }

    [Test]
    public void A_subnet_with_host_bits_is_refused_with_the_network_it_meant()
    {
        var error = Assert.Throws<UserError>(() => Pool("192.168.1.5/24"));
        Assert.That(error!.Message, Does.Contain("192.168.1.0/24"));
    }

    [Test]
    public void Networks_share_subnet_and_gateway_with_one_pool_per_range()
    {
        var net1 = Pool("192.168.1.0/24", "192.168.1.4/32");
        var net2 = Pool("192.168.1.0/24", "192.168.1.6/32");
        Assert.That(net1, Is.Not.EqualTo(net2));
        Assert.That(Gateway(net1, "192.168.1.1"), Is.EqualTo("192.168.1.1/24"));
        Assert.That(Gateway(net2, "192.168.1.1"), Is.EqualTo("192.168.1.1/24"));
        Assert.That(Address(net1), Is.EqualTo("192.168.1.4/24"));
        Assert.That(Address(net2), Is.EqualTo("192.168.1.6/24"));
    }

    [Test]
    public void A_replayed_pool_request_returns_the_same_pool_and_keeps_its_addresses()
    {
        var first = Pool("192.168.1.0/24", "192.168.1.4/32");
        Gateway(first, "192.168.1.1");
        Address(first);
        var again = Pool("192.168.1.0/24", "192.168.1.4/32");
        Assert.That(again, Is.EqualTo(first));
        Assert.That(Gateway(again, "192.168.1.1"), Is.EqualTo("192.168.1.1/24"),
            "the replayed gateway request is no conflict");
        Assert.That(_state.IpamService.Pools.Single().Allocations, Has.Count.EqualTo(1));
    }

    [Test]
    public void The_gateway_is_never_handed_out_even_inside_the_range()
    {
        var pool = Pool("192.168.1.0/24", "192.168.1.0/30");
        Gateway(pool, "192.168.1.1");
        Assert.That(new[] { Address(pool), Address(pool) }, Is.EqualTo(new[] { "192.168.1.2/24", "192.168.1.3/24" }),
            "the subnet's own address .0 and the gateway .1 are skipped");
        Assert.Throws<UserError>(() => Address(pool));
        var asStatic = Assert.Throws<UserError>(() => Address(Pool("192.168.1.0/24"), "192.168.1.1"));
        Assert.That(asStatic!.Message, Does.Contain("gateway"));
    }

    [Test]
    public void Two_networks_of_one_pool_with_two_routers_keep_both_gateways_and_hand_out_neither()
    {
        var first = Pool("192.168.1.0/24", "192.168.1.0/29");
        var second = Pool("192.168.1.0/24", "192.168.1.0/29");
        Assert.That(second, Is.EqualTo(first), "the same subnet and range: one pool");
        Gateway(first, "192.168.1.1");
        Assert.That(Gateway(second, "192.168.1.2"), Is.EqualTo("192.168.1.2/24"),
            "another --gateway is accepted, not refused");

        Assert.That(Address(first), Is.EqualTo("192.168.1.3/24"), "neither router's address is handed out");
        foreach (var router in new[] { "192.168.1.1", "192.168.1.2" })
        {
            Assert.That(Assert.Throws<UserError>(() => Address(second, router))!.Message,
                Does.Contain($"{router} is the gateway"));
        }

        _state.IpamService.ReleasePool(first);
        _state.Restart();
        Assert.That(_state.IpamService.Pools.Single().Gateways, Is.EqualTo(new[]
        {
            IPAddress.Parse("192.168.1.1"),
            IPAddress.Parse("192.168.1.2"),
        }),
            "both stay recorded, on disk too, while the pool lives");
        Assert.That(Address(second), Is.EqualTo("192.168.1.4/24"));
    }

    [Test]
    public void A_full_range_gives_a_clear_error_naming_the_range()
    {
        var pool = Pool("192.168.1.0/24", "192.168.1.252/30");
        var handed = new[] { Address(pool), Address(pool), Address(pool) };
        Assert.That(handed, Is.Unique);
        Assert.That(handed, Does.Not.Contain("192.168.1.255/24"), "the broadcast address is never handed out");
        var error = Assert.Throws<UserError>(() => Address(pool));
        Assert.That(error!.Message, Does.Contain("no free address").And.Contain("192.168.1.252/30"));
    }

    [Test]
    public void No_address_is_handed_out_twice_across_pools_of_one_subnet()
    {
        var wide = Pool("192.168.1.0/24", "192.168.1.0/29");
        var narrow = Pool("192.168.1.0/24", "192.168.1.4/32");
        Gateway(wide, "192.168.1.1");
        Gateway(narrow, "192.168.1.1");
        Assert.That(Address(narrow), Is.EqualTo("192.168.1.4/24"));
        var fromWide = Enumerable.Range(0, 4).Select(_ => Address(wide)).ToList();
        Assert.That(fromWide, Is.EqualTo(new[]
        {
            "192.168.1.2/24",
            "192.168.1.3/24",
            "192.168.1.5/24",
            "192.168.1.6/24",
        }));
        var taken = Assert.Throws<UserError>(() => Address(wide, "192.168.1.4"));
        Assert.That(taken!.Message, Does.Contain("192.168.1.4").And.Contain("in use"));
    }

    [Test]
    public void A_static_address_is_honoured_and_checked()
    {
        var pool = Pool("192.168.1.0/24", "192.168.1.8/29");
        Assert.That(Address(pool, "192.168.1.9"), Is.EqualTo("192.168.1.9/24"));
        Assert.That(Assert.Throws<UserError>(() => Address(pool, "192.168.1.9"))!.Message, Does.Contain("in use"));
        Assert.That(Assert.Throws<UserError>(() => Address(pool, "10.0.0.9"))!.Message,
            Does.Contain("outside the subnet 192.168.1.0/24"));
        Assert.That(Address(pool), Is.EqualTo("192.168.1.8/24"), "dynamic allocation skips the static one");
        Assert.That(Address(pool), Is.EqualTo("192.168.1.10/24"));
    }

    [Test]
    public void An_aux_address_outside_the_range_is_accepted_never_handed_out_and_replayable()
    {
        var pool = Pool("192.168.1.0/24", "192.168.1.2/31");
        Assert.That(Address(pool, "192.168.1.200"), Is.EqualTo("192.168.1.200/24"));
        _state.IpamService.MarkAuxiliary(IPAddress.Parse("192.168.1.200"));
        Assert.That(Address(pool, "192.168.1.200"), Is.EqualTo("192.168.1.200/24"),
            "Docker asks again when it re-creates the network");
        var other = Pool("192.168.1.0/24", "192.168.1.200/30");
        Assert.That(Address(other), Is.EqualTo("192.168.1.201/24"));
    }

    [Test]
    public void Released_addresses_come_back_and_released_pools_leave_no_file()
    {
        var pool = Pool("192.168.1.0/24", "192.168.1.4/32");
        Gateway(pool, "192.168.1.1");
        var address = Address(pool);
        _state.IpamService.ReleaseAddress(pool, IPAddress.Parse("192.168.1.4"));
        Assert.That(Address(pool), Is.EqualTo(address));
        _state.IpamService.ReleaseAddress(pool, IPAddress.Parse("192.168.1.4"));
        _state.IpamService.ReleaseAddress(pool, IPAddress.Parse("192.168.1.1"));
        _state.IpamService.ReleasePool(pool);
        _state.IpamService.ReleasePool(pool);
        Assert.That(_state.Files("pools"), Is.Empty);
    }

    [Test]
    public void Allocations_survive_a_restart_of_the_service()
    {
        var pool = Pool("192.168.1.0/24", "192.168.1.4/31");
        Gateway(pool, "192.168.1.1");
        Assert.That(Address(pool), Is.EqualTo("192.168.1.4/24"));
        _state.Restart();
        Assert.That(Address(pool), Is.EqualTo("192.168.1.5/24"));
        Assert.That(_state.IpamService.Pools.Single().Gateway, Is.EqualTo(IPAddress.Parse("192.168.1.1")));
    }

    [Test]
    public void Without_a_gateway_option_the_first_address_is_the_gateway()
    {
        var pool = Pool("10.20.0.0/16");
        Assert.That(Gateway(pool, null), Is.EqualTo("10.20.0.1/16"));
        Assert.That(Address(pool), Is.EqualTo("10.20.0.2/16"));
    }

    [Test]
    public void IPv6_pools_follow_the_same_rules()
    {
        var pool = Pool("2001:db8:20::/64", "2001:db8:20::10/126", v6: true);
        Gateway(pool, "2001:db8:20::1");
        Assert.That(Address(pool), Is.EqualTo("2001:db8:20::10/64"));
        Assert.That(Address(pool, "2001:db8:20::12"), Is.EqualTo("2001:db8:20::12/64"));
        Assert.That(Address(pool), Is.EqualTo("2001:db8:20::11/64"));
        Assert.That(Address(pool), Is.EqualTo("2001:db8:20::13/64"));
        Assert.Throws<UserError>(() => Address(pool));
        Assert.Throws<UserError>(() => Pool("2001:db8:20::/64", v6: false));
    }

    [Test]
    public void A_corrupt_pool_file_is_quarantined_and_the_others_still_load()
    {
        var good = Pool("192.168.1.0/24", "192.168.1.4/32");
        Pool("192.168.1.0/24", "192.168.1.6/32");
        var broken = Directory.EnumerateFiles(Path.Combine(_state.Directory, "pools"))
            .Single(f => f.EndsWith("192.168.1.6_32.json"));
        File.WriteAllText(broken, "{ \"Id\": \"192.168.1.0/24@192.168.1.6/32\", ");
        _state.Restart();
        Assert.That(_state.IpamService.Pools.Select(p => p.Id), Is.EqualTo(new[] { good }));
        // The snapshot, and its journal beside it.
        Assert.That(Directory.EnumerateFiles(Path.Combine(_state.Directory, "pools", "quarantine"), "*.json.*").Count(),
            Is.EqualTo(1));
        Assert.That(Address(good), Is.EqualTo("192.168.1.4/24"));
    }
}
