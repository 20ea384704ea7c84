using System.Net;
using System.Text;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.State;

/// <summary>State files as the previous release wrote them load into typed records, and are written back byte for
/// byte.</summary>
public class StateFormatTests
{
    private const string Network = """
        {
          "NetworkId": "zbup5992ml64i75r7mzhxdfnp",
          "BridgeName": "vlan2000",
          "ExtIf": "eno1",
          "VlanId": 2000,
          "Mtu": 1400,
          "Internal": false,
          "Routes": [
            "10.0.0.0/8",
            "2001:db8:99::/48"
          ],
          "Subnets": [
            {
              "Subnet": "192.168.1.0/24",
              "Gateway": "192.168.1.1/24"
            },
            {
              "Subnet": "2001:db8:30::/64"
            }
          ],
          "Options": {
            "bridge_name": "vlan2000",
            "ext_if": "eno1",
            "vlan_id": "2000"
          },
          "Endpoints": {
            "0474660acf3a": {
              "EndpointId": "0474660acf3a",
              "Address": "192.168.1.4/24",
              "AddressIPv6": "2001:db8:30::a:b0c/64",
              "Deleted": false,
              "MacAddress": "02:6c:c0:a8:01:04",
              "HostVeth": "l2v0474660acf3",
              "ContainerVeth": "l2c0474660acf3"
            },
            "9d2e3451a2ca": {
              "EndpointId": "9d2e3451a2ca",
              "Address": "192.168.1.6/24",
              "Deleted": true,
              "MacAddress": "02:42:ac:11:00:09"
            }
          }
        }
        """;

    private const string Pool = """
        {
          "Id": "192.168.1.0/24@192.168.1.4/30",
          "Subnet": "192.168.1.0/24",
          "Range": "192.168.1.4/30",
          "Gateway": "192.168.1.1",
          "Allocations": [
            {
              "Address": "192.168.1.4",
              "Kind": "Dynamic"
            },
            {
              "Address": "192.168.1.200",
              "Kind": "Auxiliary"
            }
          ]
        }
        """;

    private static void AssertRoundTrip<T>(JsonFileCollection<T> files, string json, Action<T> check) where T : class,
        IStateRecord
    {
        Directory.CreateDirectory(files.Directory);
        File.WriteAllText(files.PathOf("old"), json);
        var loaded = files.LoadAll().Single().Value;
        check(loaded);
        files.Save("new", loaded);
        Assert.That(File.ReadAllText(files.PathOf("new"), Encoding.UTF8), Is.EqualTo(json));
    }

    [Test]
    public void A_network_file_of_the_previous_release_loads_typed_and_is_written_back_unchanged()
    {
        using var state = new TestState();
        AssertRoundTrip(state.Networks, Network, network =>
        {
            Assert.That(network.Routes.Select(r => r.PrefixLength), Is.EqualTo(new[] { 8, 48 }));
            Assert.That(network.Subnets[0].Gateway!.Value.Address, Is.EqualTo(IPAddress.Parse("192.168.1.1")));
            Assert.That(network.Subnets[1].Gateway, Is.Null);
            var endpoint = network.Endpoints["0474660acf3a"];
            Assert.That(endpoint.Address!.Value.Address, Is.EqualTo(IPAddress.Parse("192.168.1.4")));
            Assert.That(endpoint.MacAddress.GetAddressBytes(), Is.EqualTo(new byte[]
            {
                0x02,
                0x6c,
                0xc0,
                0xa8,
                0x01,
                0x04,
            }));
        });
    }

    [Test]
    public void A_pool_file_of_the_previous_release_loads_typed_and_is_written_back_unchanged()
    {
        using var state = new TestState();
        AssertRoundTrip(state.Pools, Pool, pool =>
        {
            Assert.That(pool.Subnet.ToString(), Is.EqualTo("192.168.1.0/24"));
            Assert.That(pool.RangeOrSubnet.ToString(), Is.EqualTo("192.168.1.4/30"));
            Assert.That(pool.Find(IPAddress.Parse("192.168.1.200"))!.Kind, Is.EqualTo(AllocationKind.Auxiliary));
        });
    }

    [Test]
    public void A_route_that_does_not_parse_makes_the_file_unreadable_not_a_skipped_route()
    {
        using var state = new TestState();
        var networks = state.Networks;
        Directory.CreateDirectory(networks.Directory);
        File.WriteAllText(networks.PathOf("broken"), Network.Replace("\"10.0.0.0/8\"", "\"10.0.0.0\""));
        Assert.That(networks.LoadAll(), Is.Empty);
        Assert.That(Directory.EnumerateFiles(networks.QuarantineDirectory).Count(), Is.EqualTo(1));
    }
    [Test]
    public void A_network_file_without_its_lists_or_with_null_ones_loads_them_empty()
    {
        using var state = new TestState();
        var networks = state.Networks;
        Directory.CreateDirectory(networks.Directory);
        File.WriteAllText(networks.PathOf("bare"), """
            { "NetworkId": "bare", "BridgeName": "vlan7", "ExtIf": "eno1", "VlanId": 7,
              "Routes": null, "Endpoints": null }
            """);
        var network = networks.LoadAll().Single().Value;
        Assert.That(network.Routes, Is.Empty);
        Assert.That(network.Subnets, Is.Empty);
        Assert.That(network.Options, Is.Empty);
        Assert.That(network.Endpoints, Is.Empty);
    }
}
