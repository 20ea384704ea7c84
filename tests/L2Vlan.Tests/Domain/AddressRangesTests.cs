using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using L2Vlan.Domain;

namespace L2Vlan.Tests.Domain;

public class AddressRangesTests
{
    private static string Collapse(params string[] addresses) =>
        string.Join(", ", AddressRanges.Collapse(addresses.Select(IPAddress.Parse)));

    [Test]
    public void NoAddressesAreNoRanges() => Assert.That(AddressRanges.Collapse([]), Is.Empty);

    [Test]
    public void OneAddressIsARangeOfOne()
    {
        var range = AddressRanges.Collapse([IPAddress.Parse("10.0.0.7")]).Single();
        Assert.Multiple(() =>
        {
            Assert.That(range.ToString(), Is.EqualTo("10.0.0.7"));
            Assert.That(range.Count, Is.EqualTo((UInt128)1));
        });
    }

    [Test]
    public void AdjacentAddressesJoinAcrossOctetsAndGapsSplit() =>
        Assert.That(Collapse("10.0.0.254", "10.0.0.2", "10.0.1.0", "10.0.0.3", "10.0.0.255", "10.0.0.9"),
            Is.EqualTo("10.0.0.2-10.0.0.3, 10.0.0.9, 10.0.0.254-10.0.1.0"));

    [Test]
    public void IPv6RunsCollapseAndComeAfterIPv4() =>
        Assert.That(Collapse("2001:db8::a", "2001:db8::9", "10.0.0.1", "2001:db8::ffff", "2001:db8::1:0",
            "2001:db8::c"),
            Is.EqualTo("10.0.0.1, 2001:db8::9-2001:db8::a, 2001:db8::c, 2001:db8::ffff-2001:db8::1:0"));

    [Test]
    public void FamiliesNeverJoinEvenWhereTheirNumbersFollow() =>
        Assert.That(Collapse("0.0.0.255", "::100"), Is.EqualTo("0.0.0.255, ::100"));

    [Test]
    public void DuplicatesCountOnce() =>
        Assert.That(Collapse("10.0.0.2", "10.0.0.3", "10.0.0.2"), Is.EqualTo("10.0.0.2-10.0.0.3"));

    [Test]
    public void AQuarterMillionAddressesCollapseFast()
    {
        // A /14 of IPv4 and a run of IPv6, shuffled, with one gap in each.
        var v4 = Enumerable.Range(0, 1 << 18).Where(i => i != 1000)
            .Select(i => AddressMath.FromNumber((UInt128)(0x0A000000 + i), AddressFamily.InterNetwork));
        var v6 = Enumerable.Range(0, 10_000).Where(i => i != 7)
            .Select(i =>
                AddressMath.FromNumber(AddressMath.ToNumber(IPAddress.Parse("2001:db8::")) + (UInt128)i,
                    AddressFamily.InterNetworkV6));
        var addresses = v4.Concat(v6).OrderBy(_ => Random.Shared.Next()).ToList();
        var clock = Stopwatch.StartNew();
        var ranges = AddressRanges.Collapse(addresses);
        clock.Stop();
        TestContext.Out.WriteLine($"{addresses.Count} addresses collapsed in {clock.ElapsedMilliseconds} ms");
        Assert.Multiple(() =>
        {
            Assert.That(string.Join(", ", ranges), Is.EqualTo(
                "10.0.0.0-10.0.3.231, 10.0.3.233-10.3.255.255, 2001:db8::-2001:db8::6, 2001:db8::8-2001:db8::270f"));
            Assert.That(ranges.Aggregate(UInt128.Zero, (sum, r) => sum + r.Count),
                Is.EqualTo((UInt128)addresses.Count));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)),
                "about 0.3 s on two busy cores; a pool's ranges must never be what makes status slow");
        });
    }
}
