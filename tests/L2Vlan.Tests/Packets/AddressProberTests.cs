using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.Packets;
using L2Vlan.Tests.Netlink;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Packets;

/// <summary>
/// Probes out of one end of a veth pair in a private namespace; the kernel answers on the other end for the
/// addresses it holds there, as a router on the VLAN would.
/// </summary>
public class AddressProberTests : PrivateNamespaceFixture
{
    private static readonly PhysicalAddress Mac = PhysicalAddress.Parse("02-42-C0-00-02-0A");

    private (int Probing, PhysicalAddress Holder) Wire(PhysicalAddress? holderMac = null)
    {
        Client.CreateVethPair("dad-out", "dad-in", peerMac: holderMac ?? PhysicalAddress.Parse("52-54-00-12-34-56"),
            mtu: null);
        var probing = RequireLink("dad-out");
        var holding = RequireLink("dad-in");
        Client.SetUp(probing.Index);
        Client.SetUp(holding.Index);
        Client.AddAddress(holding.Index, IPAddress.Parse("192.0.2.50"), 24);
        Client.AddAddress(holding.Index, IPAddress.Parse("2001:db8::50"), 64);
        Assert.That(Eventually(() => RequireLink("dad-out").IsUp && RequireLink("dad-in").IsUp),
            "the veth did not come up");
        return (probing.Index, RequireLink("dad-in").Mac!);
    }

    [TestCase("192.0.2.50")]
    [TestCase("2001:db8::50")]
    public void The_station_that_holds_the_address_is_found(string address)
    {
        var (probing, holder) = Wire();
        var claim = Host.Run(() => new AddressProber().Probe(probing, Mac, [IPAddress.Parse(address)]));
        Assert.That(claim, Is.Not.Null, "the kernel on the other end did not answer");
        Assert.That(claim!.Address, Is.EqualTo(IPAddress.Parse(address)));
        Assert.That(claim.Holder, Is.EqualTo(holder));
    }

    [Test]
    public void Another_nodes_copy_of_the_endpoint_with_the_same_MAC_is_found()
    {
        // A container that holds 192.0.2.50 on another node has the MAC derived from that address: the one this
        // endpoint would get. Only a probe sent as the host's own station can tell its answer from our own frames.
        var endpointMac = EndpointLinks.MacFor(IPAddress.Parse("192.0.2.50"));
        Wire(endpointMac);
        var check = new DuplicateAddressCheck(new AddressProber(), Client, NullLogger<DuplicateAddressCheck>.Instance);
        var target = new DuplicateAddressCheck.Target("n1", "dad-out", 2000, endpointMac,
            [IPAddress.Parse("192.0.2.50")]);

        var refused = Host.Run(() => Assert.Throws<UserError>(() => check.Check(target)));

        Assert.That(refused!.Message, Does.Contain("192.0.2.50").And.Contain(MacAddresses.Format(endpointMac)));
    }

    [Test]
    public void Free_addresses_take_the_bounded_probe_time()
    {
        var (probing, _) = Wire();
        var prober = new AddressProber();
        var clock = Stopwatch.StartNew();
        var claim = Host.Run(() =>
            prober.Probe(probing, Mac, [IPAddress.Parse("192.0.2.51"), IPAddress.Parse("2001:db8::51")]));
        clock.Stop();
        Assert.That(claim, Is.Null);
        TestContext.Out.WriteLine($"probe of two free addresses took {clock.ElapsedMilliseconds} ms (bound " +
            $"{prober.Duration.TotalMilliseconds} ms)");
        Assert.That(clock.Elapsed,
            Is.GreaterThanOrEqualTo(prober.Duration).And.LessThan(prober.Duration + TimeSpan.FromSeconds(2)),
                "bounded, with room for a loaded test machine");
    }
}
