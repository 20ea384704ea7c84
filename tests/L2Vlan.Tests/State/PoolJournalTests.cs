using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using L2Vlan.Domain;
using L2Vlan.Ipam;
using L2Vlan.State;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace L2Vlan.Tests.State;

/// <summary>The pools' snapshot + journal files: replay, a torn last record, compaction's crash windows, old files,
/// group commit.</summary>
public class PoolJournalTests
{
    private const string PoolId = "10.40.0.0/16@10.40.1.0/24";
    private const string Key = "10.40.0.0_16@10.40.1.0_24";
    private static readonly Cidr Subnet = Cidr.ParseNetwork("10.40.0.0/16", "subnet");
    private static readonly Cidr Range = Cidr.ParseNetwork("10.40.1.0/24", "ip-range");

    // Written by the release before the journal (main at 9bfb459): a pool of two networks, two gateways, three
    // addresses.
    private const string OldPoolFile = """
        {
          "Id": "10.40.0.0/16@10.40.1.0/24",
          "Subnet": "10.40.0.0/16",
          "Range": "10.40.1.0/24",
          "Gateway": "10.40.0.1",
          "OtherGateways": [
            "10.40.0.254"
          ],
          "Allocations": [
            {
              "Address": "10.40.1.0",
              "Kind": "Dynamic"
            },
            {
              "Address": "10.40.1.7",
              "Kind": "Requested"
            },
            {
              "Address": "10.40.1.200",
              "Kind": "Auxiliary"
            }
          ],
          "Holders": 2
        }
        """;

    private string _folder = null!;
    private string Pools => Path.Combine(_folder, "pools");
    private string Snapshot => Path.Combine(Pools, Key + ".json");
    private string Journal => Path.Combine(Pools, Key + ".journal");

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("l2vlan-journal-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    private IpamService Service(GroupCommit? commits = null)
    {
        var networks = new NetworkRegistry(new JsonFileCollection<NetworkRecord>(Path.Combine(_folder, "networks"),
            StateJsonContext.Default.NetworkRecord, NullLogger.Instance));
        var ipam = new IpamService(Collection(), networks, NullLogger<IpamService>.Instance, commits);
        ipam.Load();
        return ipam;
    }

    private JsonFileCollection<AddressPool> Collection() =>
        new(Pools, StateJsonContext.Default.AddressPool, NullLogger.Instance);

    private static string[] Held(AddressPool pool) =>
        pool.Allocations.Select(a => $"{a.Address} {a.Kind}").Order(StringComparer.Ordinal).ToArray();

    private static string[] Held(IpamService ipam) => Held(ipam.Pools.Single());

    private static string Next(IpamService ipam) => ipam.RequestAddress(PoolId, null, gateway: false).ToString();

    private IpamService WithPool()
    {
        var ipam = Service();
        ipam.RequestPool(Subnet, Range, v6: false);
        return ipam;
    }

    [Test]
    public void A_change_appends_to_the_journal_and_a_restart_replays_it()
    {
        var ipam = WithPool();
        var snapshot = File.ReadAllBytes(Snapshot);
        for (var i = 0; i < 5; i++) Next(ipam);
        ipam.ReleaseAddress(PoolId, IPAddress.Parse("10.40.1.2"));
        ipam.RequestAddress(PoolId, IPAddress.Parse("10.40.1.99"), gateway: false);

        Assert.That(File.ReadAllBytes(Snapshot), Is.EqualTo(snapshot), "the snapshot is not rewritten per request");
        Assert.That(new FileInfo(Journal).Length, Is.GreaterThan(0));
        var before = Held(ipam);
        Assert.That(Held(Service()), Is.EqualTo(before));
        Assert.That(Held(PoolStore.Peek(Pools, NullLogger.Instance).Single()), Is.EqualTo(before),
            "status reads the journal too");
        Assert.That(Next(Service()), Is.EqualTo("10.40.1.2/16"), "the lowest free address, as before");
    }

    [Test]
    public void A_torn_last_record_is_cut_off_and_the_pool_goes_on()
    {
        var ipam = WithPool();
        Next(ipam);
        Next(ipam);
        var whole = new FileInfo(Journal).Length;
        // A third record cut short by a crash mid-append, and one whose bytes are all there but damaged.
        var third = File.ReadAllBytes(Journal)[..(int)(whole / 2)];
        File.AppendAllBytes(Journal, third[..^3]);
        Assert.That(Held(Service()), Is.EqualTo(new[] { "10.40.1.0 Dynamic", "10.40.1.1 Dynamic" }));
        Assert.That(new FileInfo(Journal).Length, Is.EqualTo(whole), "the torn end is cut off at load");

        var damaged = File.ReadAllBytes(Journal);
        damaged[^1] ^= 0xFF;
        File.WriteAllBytes(Journal, damaged);
        var again = Service();
        Assert.That(Held(again), Is.EqualTo(new[] { "10.40.1.0 Dynamic" }), "a record failing its CRC is not applied");
        Assert.That(Next(again), Is.EqualTo("10.40.1.1/16"));
        Assert.That(Held(Service()), Is.EqualTo(new[] { "10.40.1.0 Dynamic", "10.40.1.1 Dynamic" }),
            "appends after the cut replay");
    }

    [Test]
    public void Compaction_writes_a_snapshot_and_empties_the_journal_once_it_outgrows_the_bound()
    {
        var ipam = Service();
        var id = ipam.RequestPool(Subnet, null, v6: false);
        var snapshot = Path.Combine(Pools, "10.40.0.0_16.json");
        var journal = Path.Combine(Pools, "10.40.0.0_16.journal");
        var largest = 0L;
        for (var i = 0; i < 3000; i++)
        {
            ipam.RequestAddress(id, null, gateway: false);
            largest = Math.Max(largest, new FileInfo(journal).Length);
        }
        Assert.That(largest, Is.LessThan(Math.Max(64 * 1024, new FileInfo(snapshot).Length) + 100),
            "compacted at the bound");
        Assert.That(new FileInfo(journal).Length, Is.LessThan(largest), "emptied by a compaction");
        Assert.That(File.ReadAllText(snapshot), Does.Contain("\"JournalSequence\""));
        Assert.That(Held(Service()), Has.Length.EqualTo(3000));
    }

    /// <summary>Every state a compaction can be killed in, made by hand: each loads as the pool was, nothing applied
    /// twice.</summary>
    [Test]
    public void Every_crash_window_of_a_compaction_loads_the_same_pool()
    {
        var ipam = WithPool();
        for (var i = 0; i < 6; i++) Next(ipam);
        ipam.ReleaseAddress(PoolId, IPAddress.Parse("10.40.1.3"));
        ipam.ReleasePool(PoolId);
        ipam.RequestPool(Subnet, Range, v6: false);
        var expected = Held(ipam);
        var oldSnapshot = File.ReadAllBytes(Snapshot);
        var journal = File.ReadAllBytes(Journal);
        var records = journal.Length;

        // The snapshot a compaction writes now: the whole pool, and the sequence number of the journal's last record.
        var pool = PoolStore.Peek(Pools, NullLogger.Instance).Single();
        Assert.That(pool.JournalSequence, Is.EqualTo(9));
        Collection().Save(Key, pool);
        var newSnapshot = File.ReadAllBytes(Snapshot);

        (string Name, byte[] Snapshot, byte[] Journal)[] windows =
        [
            ("before the snapshot's rename", oldSnapshot, journal),
            ("after the rename, before the journal is emptied", newSnapshot, journal),
            ("during the truncate: part of the journal left", newSnapshot, journal[..(records / 2)]),
            ("after the journal is emptied", newSnapshot, []),
        ];
        foreach (var (name, snapshot, left) in windows)
        {
            File.WriteAllBytes(Snapshot, snapshot);
            File.WriteAllBytes(Journal, left);
            var loaded = Service();
            Assert.That(Held(loaded), Is.EqualTo(expected), name);
            Assert.That(loaded.Pools.Single().Holders, Is.EqualTo(1), name + ": holders applied once");
            Assert.That(Next(loaded), Is.EqualTo("10.40.1.3/16"), name);
            Assert.That(Held(Service()), Is.EqualTo(expected.Append("10.40.1.3 Dynamic").Order(StringComparer.Ordinal)),
                name + ": the next change replays after it");
        }
    }

    [Test]
    public void A_record_out_of_sequence_ends_the_journal()
    {
        var ipam = WithPool();
        Next(ipam);
        File.AppendAllBytes(Journal, JournalRecords.Encode(5, "held 10.40.1.50 Dynamic"));
        Assert.That(Held(Service()), Is.EqualTo(new[] { "10.40.1.0 Dynamic" }));
    }

    [TestCase("leased 10.40.1.9 Dynamic 3600")]
    [TestCase("held 10.40.1.999 Dynamic")]
    [TestCase("holders many")]
    public void A_journal_record_this_release_cannot_apply_quarantines_the_pool(string change)
    {
        var ipam = WithPool();
        Next(ipam);
        var next = JournalRecords.Decode(File.ReadAllBytes(Journal)).Last().Sequence + 1;
        File.AppendAllBytes(Journal, JournalRecords.Encode(next, change));
        var journal = File.ReadAllBytes(Journal);

        Assert.That(PoolStore.Peek(Pools, NullLogger.Instance), Is.Empty, "status skips the pool, touching nothing");
        Assert.That(File.ReadAllBytes(Journal), Is.EqualTo(journal));
        IpamService again = null!;
        Assert.DoesNotThrow(() => again = Service(), "the start goes on");
        Assert.That(again.Pools, Is.Empty);
        Assert.That(File.Exists(Snapshot) || File.Exists(Journal), Is.False, "both files left the pools");
        var quarantine = Path.Combine(Pools, "quarantine");
        Assert.That(Directory.EnumerateFiles(quarantine).Select(Path.GetFileName), Has.One.StartsWith(Key + ".json."));
        var kept = Directory.EnumerateFiles(quarantine, Key + ".journal.*").Single();
        Assert.That(File.ReadAllBytes(kept), Is.EqualTo(journal),
            "the journal is kept byte for byte, for a release that knows the record");
    }

    [TestCase("""{"Id": null, "Subnet": "10.40.0.0/16"}""")]
    [TestCase("""{"Id": "10.40.0.0/16@10.40.1.0/24", "Subnet": "10.40.0.0/16", "Allocations": [null]}""")]
    [TestCase("""{"Id": "10.40.0.0/16@10.40.1.0/24", "Subnet": "10.40.0.0/16",""" +
        """ "Allocations": [{"Address": null, "Kind": "Dynamic"}]}""")]
    [TestCase("""{"Id": "10.40.0.0/16@10.40.1.0/24", "Subnet": "10.40.0.0/16",""" +
        """ "Gateway": "10.40.0.1", "OtherGateways": [null]}""")]
    public void A_pool_file_that_parses_but_lacks_a_value_is_quarantined_at_start(string json)
    {
        Directory.CreateDirectory(Pools);
        File.WriteAllText(Snapshot, json);
        IpamService ipam = null!;
        Assert.DoesNotThrow(() => ipam = Service());
        Assert.That(ipam.Pools, Is.Empty);
        Assert.That(File.Exists(Snapshot), Is.False);
        Assert.That(Directory.EnumerateFiles(Path.Combine(Pools, "quarantine")).Select(Path.GetFileName),
            Has.One.StartsWith(Key + ".json."));
    }

    [Test]
    public void A_pool_file_of_the_release_before_the_journal_loads_unchanged_and_takes_a_journal()
    {
        Directory.CreateDirectory(Pools);
        File.WriteAllText(Snapshot, OldPoolFile);
        var ipam = Service();
        var pool = ipam.Pools.Single();
        Assert.That(Held(pool), Is.EqualTo(new[]
        {
            "10.40.1.0 Dynamic",
            "10.40.1.200 Auxiliary",
            "10.40.1.7 Requested",
        }));
        Assert.That(pool.Gateways.Select(g => g.ToString()), Is.EqualTo(new[] { "10.40.0.1", "10.40.0.254" }));
        Assert.That(pool.Holders, Is.EqualTo(2));
        Assert.That(pool.JournalSequence, Is.EqualTo(0));

        Assert.That(Next(ipam), Is.EqualTo("10.40.1.1/16"));
        ipam.ReleasePool(PoolId);
        Assert.That(File.ReadAllText(Snapshot), Is.EqualTo(OldPoolFile), "not rewritten: the change is in the journal");
        var again = Service().Pools.Single();
        Assert.That(Held(again), Has.Length.EqualTo(4));
        Assert.That(again.Holders, Is.EqualTo(1));
    }

    [Test]
    public void Deleting_a_pool_removes_its_journal_and_a_journal_left_without_snapshot_goes_at_load()
    {
        var ipam = WithPool();
        Next(ipam);
        ipam.ReleaseAddress(PoolId, IPAddress.Parse("10.40.1.0"));
        ipam.ReleasePool(PoolId);
        Assert.That(Directory.EnumerateFiles(Pools), Is.Empty);

        // A crash between deleting the snapshot and the journal.
        File.WriteAllBytes(Journal, JournalRecords.Encode(1, "held 10.40.1.9 Dynamic"));
        var fresh = Service();
        Assert.That(File.Exists(Journal), Is.False);
        fresh.RequestPool(Subnet, Range, v6: false);
        Assert.That(Held(Service()), Is.Empty);
    }

    /// <summary>
    /// A fake fsync copies the journal as it is to "the disk"; each of 32 concurrent requests, once answered, must
    /// find its record there, and they share fewer syncs than there are requests.
    /// </summary>
    [Test]
    public void Concurrent_requests_are_answered_only_once_durable_and_share_syncs()
    {
        var durable = new ConcurrentDictionary<string, byte>();
        var syncs = 0;
        void FakeSync(SafeFileHandle file)
        {
            Thread.Sleep(2); // a disk's flush takes time; requests pile up meanwhile
            var bytes = new byte[RandomAccess.GetLength(file)];
            RandomAccess.Read(file, bytes, 0);
            foreach (var record in JournalRecords.Decode(bytes)) durable.TryAdd(record.Change, 0);
            Interlocked.Increment(ref syncs);
        }
        var ipam = Service(new GroupCommit(e => Assert.Fail(e.Message), FakeSync));
        ipam.RequestPool(Subnet, Range, v6: false);
        var late = new ConcurrentQueue<string>();
        const int Requests = 32 * 8;
        Parallel.For(0, Requests, new ParallelOptions { MaxDegreeOfParallelism = 32 }, _ =>
        {
            var address = ipam.RequestAddress(PoolId, null, gateway: false).Address;
            if (!durable.ContainsKey($"held {address} Dynamic")) late.Enqueue(address.ToString());
        });
        Assert.That(late, Is.Empty, "answered before its record was synced");
        Assert.That(syncs, Is.LessThan(Requests), "concurrent requests share syncs");
        TestContext.Progress.WriteLine($"group commit: {Requests} requests, {syncs} syncs");
    }

    [Test]
    public void A_failed_sync_is_fatal_and_the_request_is_not_answered()
    {
        Exception? fatal = null;
        var failing = false;
        var ipam = Service(new GroupCommit(e => fatal = e, file =>
        {
            if (failing) throw new IOException("EIO");
            GroupCommit.DataSync(file);
        }));
        ipam.RequestPool(Subnet, Range, v6: false);
        Next(ipam);
        failing = true;
        Assert.Throws<StateDiskFailedException>(() => Next(ipam));
        Assert.That(fatal, Is.Not.Null, "the service is told to end");
    }

    /// <summary>The descriptors this process holds open on journals of the test's folder.</summary>
    private int OpenJournalDescriptors() =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos()
            .Select(fd => fd.LinkTarget)
            .Count(target => target is not null && target.StartsWith(Pools, StringComparison.Ordinal)
                && target.EndsWith(".journal", StringComparison.Ordinal));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private List<string> MakePoolsAndAddresses(int count)
    {
        var ipam = Service();
        var subnet = Cidr.ParseNetwork("10.50.0.0/16", "subnet");
        var pools = Enumerable.Range(2, count)
            .Select(i => ipam.RequestPool(
                subnet, Cidr.ParseNetwork($"10.50.{i / 256}.{i % 256}/32", "ip-range"), v6: false))
            .ToList();
        foreach (var pool in pools) ipam.RequestAddress(pool, null, gateway: false);
        Assert.That(OpenJournalDescriptors(), Is.InRange(1, PoolStore.OpenJournals),
            $"after {count} pools were made and written to");
        return pools;
    }

    [Test]
    public void Open_journals_stay_bounded_whatever_the_number_of_pools()
    {
        // One network per fixed address: 300 pools of one subnet, each written to after all were made, then again after
        // a restart.
        var pools = MakePoolsAndAddresses(300);
        // The first service is gone, as its process would be: its descriptors closed.
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var ipam = Service();
        Assert.That(ipam.Pools.Sum(p => p.Allocations.Count()), Is.EqualTo(300), "every write is in its journal");
        Assert.That(OpenJournalDescriptors(), Is.LessThanOrEqualTo(PoolStore.OpenJournals), "after the load");
        foreach (var pool in pools)
            ipam.ReleaseAddress(pool, ipam.Pools.First(p => p.Id == pool).Allocations.Single().Address);
        Assert.That(OpenJournalDescriptors(), Is.LessThanOrEqualTo(PoolStore.OpenJournals), "after a release in each");
        foreach (var pool in pools) ipam.ReleasePool(pool);
        Assert.That(Directory.GetFiles(Pools), Is.Empty, "every pool released: no file left");
        Assert.That(OpenJournalDescriptors(), Is.Zero, "and no descriptor");
    }
}
