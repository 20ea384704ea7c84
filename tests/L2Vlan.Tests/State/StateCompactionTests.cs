using System.Net;
using System.Text.Json;
using L2Vlan.Domain;
using L2Vlan.Host;
using L2Vlan.Ipam;
using L2Vlan.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.State;

/// <summary><c>l2vlan compact</c>, run before a downgrade: every held address in the pool files a release without the
/// journal reads.</summary>
public class StateCompactionTests
{
    private const string PoolId = "10.50.0.0/16@10.50.1.0/24";
    private static readonly Cidr Subnet = Cidr.ParseNetwork("10.50.0.0/16", "subnet");
    private static readonly Cidr Range = Cidr.ParseNetwork("10.50.1.0/24", "ip-range");

    private string _folder = null!;
    private string Pools => Path.Combine(_folder, "pools");
    private string Snapshot => Path.Combine(Pools, "10.50.0.0_16@10.50.1.0_24.json");

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("l2vlan-compact-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    private IpamService Service()
    {
        var networks = new NetworkRegistry(new JsonFileCollection<NetworkRecord>(Path.Combine(_folder, "networks"),
            StateJsonContext.Default.NetworkRecord, NullLogger.Instance));
        var ipam = new IpamService(new JsonFileCollection<AddressPool>(Pools, StateJsonContext.Default.AddressPool,
            NullLogger.Instance),
            networks, NullLogger<IpamService>.Instance);
        ipam.Load();
        return ipam;
    }

    private static string[] Held(AddressPool pool) =>
        pool.Allocations.Select(a => $"{a.Address} {a.Kind}").Order(StringComparer.Ordinal).ToArray();

    /// <summary>The pool file as a release without the journal reads it: its Allocations and Holders, nothing
    /// else.</summary>
    private (string[] Held, int Holders) AsTheFileSays()
    {
        using var file = JsonDocument.Parse(File.ReadAllBytes(Snapshot));
        var held = file.RootElement.GetProperty("Allocations").EnumerateArray()
            .Select(a => $"{a.GetProperty("Address").GetString()} {a.GetProperty("Kind").GetString()}")
                .Order(StringComparer.Ordinal).ToArray();
        return (held, file.RootElement.TryGetProperty("Holders", out var holders) ? holders.GetInt32() : 1);
    }

    /// <summary>A pool held by two networks, with dynamic, fixed and released addresses, all of it in the journal
    /// only.</summary>
    private string[] PoolWithChangesInTheJournal()
    {
        var ipam = Service();
        ipam.RequestPool(Subnet, Range, v6: false);
        ipam.RequestPool(Subnet, Range, v6: false);
        for (var i = 0; i < 4; i++) ipam.RequestAddress(PoolId, null, gateway: false);
        ipam.ReleaseAddress(PoolId, IPAddress.Parse("10.50.1.1"));
        ipam.RequestAddress(PoolId, IPAddress.Parse("10.50.1.77"), gateway: false);
        Assert.That(AsTheFileSays().Held, Is.Empty, "the pool file alone misses what the journal holds");
        return Held(ipam.Pools.Single());
    }

    [Test]
    public void Every_journal_is_written_into_its_pool_file_and_removed()
    {
        var expected = PoolWithChangesInTheJournal();
        Assert.That(expected, Has.Length.EqualTo(4));

        var written = StateCompaction.Run(_folder, NullLogger.Instance);

        Assert.That(written.Select(p => p.Id), Is.EqualTo(new[] { PoolId }));
        Assert.That(Directory.EnumerateFiles(Pools, "*.journal"), Is.Empty);
        Assert.That(AsTheFileSays(), Is.EqualTo((expected, 2)), "the file alone holds every address and both holders");
    }

    [Test]
    public void This_release_reads_the_compacted_folder_and_journals_again_after_it()
    {
        var expected = PoolWithChangesInTheJournal();
        StateCompaction.Run(_folder, NullLogger.Instance);

        var ipam = Service();
        Assert.That(Held(ipam.Pools.Single()), Is.EqualTo(expected));
        Assert.That(ipam.Pools.Single().Holders, Is.EqualTo(2));
        Assert.That(ipam.RequestAddress(PoolId, null, gateway: false).ToString(), Is.EqualTo("10.50.1.1/16"),
            "the released address is free again");
        Assert.That(Held(Service().Pools.Single()), Has.Length.EqualTo(5),
            "a change after the compaction is journaled and replayed");
    }

    [Test]
    public void A_running_service_is_not_compacted_behind_its_back()
    {
        PoolWithChangesInTheJournal();
        var journal = Directory.EnumerateFiles(Pools, "*.journal").Single();
        var bytes = File.ReadAllBytes(journal);

        using (ServiceLock.TakeStateDirectory(_folder))
        {
            var refused = Assert.Throws<ServiceLockException>(() => StateCompaction.Run(_folder, NullLogger.Instance));
            Assert.That(refused!.Message, Does.Contain("systemctl stop l2vlan").And.Not.Contain("--state-dir"));
        }
        Assert.That(File.ReadAllBytes(journal), Is.EqualTo(bytes), "the journal is untouched");
    }

    [Test]
    public void A_folder_that_does_not_exist_is_left_so()
    {
        var missing = Path.Combine(_folder, "none");
        Assert.That(StateCompaction.Run(missing, NullLogger.Instance), Is.Empty);
        Assert.That(Directory.Exists(missing), Is.False);
    }
}
