using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using L2Vlan.Domain;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.State;

/// <summary><c>l2vlan status</c> and <c>status --json</c> over a state folder with thousands of addresses in
/// use.</summary>
public class StatusTests
{
    private TestState _state = null!;

    [SetUp]
    public void SetUp() => _state = new TestState();

    [TearDown]
    public void TearDown() => _state.Dispose();

    private static readonly Cidr Subnet = Cidr.ParseNetwork("10.0.0.0/16", "subnet");

    private static IPAddress V4(uint number) => AddressMath.FromNumber(number, AddressFamily.InterNetwork);

    /// <summary>A /16 pool holding <paramref name="count"/> addresses from 10.0.0.2, every <paramref name="step"/>th;
    /// the first is an aux address.</summary>
    private void SavePool(int count, uint step = 1)
    {
        var pool = new AddressPool
        {
            Id = "10.0.0.0/16",
            Subnet = Subnet,
            Gateway = IPAddress.Parse("10.0.0.1"),
            OtherGateways = [IPAddress.Parse("10.0.255.254")],
        };
        for (var i = 0u; i < count; i++)
        {
            pool.Allocations.Add(new Allocation(V4(0x0A000002 + i * step), i == 0 ? AllocationKind.Auxiliary
                : AllocationKind.Requested));
        }
        _state.Pools.Save(AddressPool.FileKey(pool.Id), pool);
        _state.Bridges.Save("vlan2000", new BridgeRecord
        {
            Name = "vlan2000",
            ExtIf = "eno1",
            VlanId = 2000,
            VlanLink = "eno1.2000",
            CreatedBridge = true,
            FirewallAccept = true,
        });
        _state.Networks.Save("net1", new NetworkRecord
        {
            NetworkId = "net1",
            BridgeName = "vlan2000",
            ExtIf = "eno1",
            VlanId = 2000,
            Subnets = [new SubnetRecord(Subnet, new InterfaceAddress(IPAddress.Parse("10.0.0.1"), 16))],
            AuxAddresses = [IPAddress.Parse("10.0.0.2")],
            Options = new() { ["vlan_id"] = "2000", ["ext_if"] = "eno1" },
            Endpoints = new()
            {
                ["0474660acf3a5b6c"] = new EndpointRecord
                {
                    EndpointId = "0474660acf3a5b6c",
                    Address = new InterfaceAddress(IPAddress.Parse("10.0.0.3"), 16),
                    MacAddress = PhysicalAddress.Parse("02-6C-0A-00-00-03"),
                    HostVeth = "l2v0474660acf3",
                    ContainerVeth = "l2c0474660acf3",
                },
            },
        });
    }

    private StateView Read() => StateView.Read(_state.Directory, NullLogger.Instance);

    [Test]
    public void ThousandsOfContiguousAddressesPrintAsOneRangeWithTheirCount()
    {
        SavePool(7560);

        var text = Read().Describe();

        TestContext.Out.WriteLine($"{Encoding.UTF8.GetByteCount(text)} bytes:\n{text}");
        Assert.Multiple(() =>
        {
            Assert.That(Encoding.UTF8.GetByteCount(text), Is.LessThan(2048));
            Assert.That(text, Does.Contain("  10.0.0.0/16: gateway 10.0.0.1, 10.0.255.254, held by 1 request\n"));
            Assert.That(text, Does.Contain("    in use: 7560: 10.0.0.2-10.0.29.137\n"));
            Assert.That(text, Does.Contain("    of which aux addresses: 1: 10.0.0.2\n"));
            Assert.That(text, Does.Contain("    endpoint 0474660acf3a: 10.0.0.3/16 mac 02:6c:0a:00:00:03 veth " +
                "l2v0474660acf3\n"));
        });
    }

    [Test]
    public void ScatteredAddressesShowTheFirstRangesAndHowManyMore()
    {
        SavePool(7560, step: 2);

        var text = Read().Describe();

        Assert.Multiple(() =>
        {
            Assert.That(Encoding.UTF8.GetByteCount(text), Is.LessThan(2048));
            Assert.That(text, Does.Contain("    in use: 7560: 10.0.0.2, 10.0.0.4, "));
            Assert.That(text, Does.Contain(", 10.0.0.40 and 7540 more ranges (--json lists them all)\n"));
        });
    }

    [Test]
    public void JsonListsEveryAddressAndEveryField()
    {
        SavePool(7560);

        var json = JsonSerializer.Serialize(StatusReport.Of(Read()), StatusJsonContext.Default.StatusReport);

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var pool = root.GetProperty("pools")[0];
        var allocations = pool.GetProperty("allocations").EnumerateArray().ToList();
        var network = root.GetProperty("networks")[0];
        var endpoint = network.GetProperty("endpoints")[0];
        var bridge = root.GetProperty("bridges")[0];
        Assert.Multiple(() =>
        {
            Assert.That(pool.GetProperty("id").GetString(), Is.EqualTo("10.0.0.0/16"));
            Assert.That(pool.GetProperty("range").ValueKind, Is.EqualTo(JsonValueKind.Null),
                "absent fields are null, not missing");
            Assert.That(pool.GetProperty("gateways").EnumerateArray().Select(g => g.GetString()), Is.EqualTo(new[]
            {
                "10.0.0.1",
                "10.0.255.254",
            }));
            Assert.That(pool.GetProperty("holders").GetInt32(), Is.EqualTo(1));
            Assert.That(pool.GetProperty("inUse").GetInt32(), Is.EqualTo(7560));
            Assert.That(allocations.Select(a => a.GetProperty("address").GetString()),
                Is.EqualTo(Enumerable.Range(0, 7560).Select(i => V4(0x0A000002 + (uint)i).ToString())));
            Assert.That(allocations.Select(a => a.GetProperty("kind").GetString()).Distinct(), Is.EqualTo(new[]
            {
                "auxiliary",
                "requested",
            }));
            Assert.That(network.GetProperty("networkId").GetString(), Is.EqualTo("net1"));
            Assert.That(network.GetProperty("subnets")[0].GetProperty("gateway").GetString(),
                Is.EqualTo("10.0.0.1/16"));
            Assert.That(network.GetProperty("auxAddresses")[0].GetString(), Is.EqualTo("10.0.0.2"));
            Assert.That(network.GetProperty("options").GetProperty("vlan_id").GetString(), Is.EqualTo("2000"));
            Assert.That(endpoint.GetProperty("endpointId").GetString(), Is.EqualTo("0474660acf3a5b6c"),
                "the whole ID, not the short one");
            Assert.That(endpoint.GetProperty("address").GetString(), Is.EqualTo("10.0.0.3/16"));
            Assert.That(endpoint.GetProperty("addressIPv6").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(endpoint.GetProperty("macAddress").GetString(), Is.EqualTo("02:6c:0a:00:00:03"));
            Assert.That(endpoint.GetProperty("containerVeth").GetString(), Is.EqualTo("l2c0474660acf3"));
            Assert.That(endpoint.GetProperty("deleted").GetBoolean(), Is.False);
            Assert.That(bridge.GetProperty("vlanLink").GetString(), Is.EqualTo("eno1.2000"));
            Assert.That(bridge.GetProperty("firewallAccept").GetBoolean(), Is.True);
            Assert.That(root.GetProperty("quarantinedFiles").GetArrayLength(), Is.Zero);
        });
    }
}
