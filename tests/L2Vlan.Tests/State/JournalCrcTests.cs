using System.Text;
using L2Vlan.Ipam;
using L2Vlan.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.State;

/// <summary>
/// The journal's CRC-32 comes from System.IO.Hashing. Release 0.2.0 computed it with its own table (kept below as the
/// reference): both must give the same value for every input, or journals written by 0.2.0 would be cut off at load.
/// </summary>
public class JournalCrcTests
{
    /// <summary>The table-driven CRC-32 (IEEE polynomial 0xEDB88320, reflected, initial and final XOR 0xFFFFFFFF) of
    /// 0.2.0.</summary>
    private static uint TableCrc32(ReadOnlySpan<byte> data)
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        var crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    [TestCase("", 0x00000000u)]
    [TestCase("a", 0xE8B7BE43u)]
    [TestCase("123456789", 0xCBF43926u)]
    [TestCase("The quick brown fox jumps over the lazy dog", 0x414FA339u)]
    public void Known_values_are_the_same_in_both(string text, uint expected)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.That(TableCrc32(bytes), Is.EqualTo(expected), "0.2.0's table");
        Assert.That(System.IO.Hashing.Crc32.HashToUInt32(bytes), Is.EqualTo(expected), "System.IO.Hashing");
    }

    [Test]
    public void Random_inputs_of_every_record_length_give_the_same_value()
    {
        var random = new Random(20261206);
        for (var length = 0; length <= 4096 + 8; length += 1 + length / 16)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            Assert.That(System.IO.Hashing.Crc32.HashToUInt32(bytes), Is.EqualTo(TableCrc32(bytes)), $"{length} bytes");
        }
    }

    // A pool's snapshot and journal as 0.2.0 wrote them (two dynamic addresses, one requested, then the first
    // released).
    private const string Snapshot = """
        {
          "Id": "10.40.0.0/16@10.40.1.0/24",
          "Subnet": "10.40.0.0/16",
          "Range": "10.40.1.0/24",
          "Allocations": [],
          "JournalSequence": 0
        }
        """;

    private const string Journal =
        "160000006A83D812010000000000000068656C642031302E34302E312E302044796E616D6963" +
        "1600000031B20241020000000000000068656C642031302E34302E312E312044796E616D6963" +
        "190000000A1F8D9E030000000000000068656C642031302E34302E312E39392052657175657374656" +
        "412000000DF1C4D7D040000000000000072656C65617365642031302E34302E312E30";

    [Test]
    public void A_journal_written_by_the_release_with_its_own_table_is_replayed_whole_and_encoded_alike()
    {
        var folder = Directory.CreateTempSubdirectory("l2vlan-crc-").FullName;
        try
        {
            var pools = Path.Combine(folder, "pools");
            Directory.CreateDirectory(pools);
            File.WriteAllText(Path.Combine(pools, "10.40.0.0_16@10.40.1.0_24.json"), Snapshot);
            var journal = Convert.FromHexString(Journal);
            File.WriteAllBytes(Path.Combine(pools, "10.40.0.0_16@10.40.1.0_24.journal"), journal);

            var records = JournalRecords.Decode(journal);
            Assert.That(records.Select(r => r.Change), Is.EqualTo(new[]
            {
                "held 10.40.1.0 Dynamic", "held 10.40.1.1 Dynamic", "held 10.40.1.99 Requested", "released 10.40.1.0",
            }), "every record passes its CRC");
            Assert.That(records.SelectMany(r => JournalRecords.Encode(r.Sequence, r.Change)), Is.EqualTo(journal),
                "and is written with the same bytes");

            var networks = new NetworkRegistry(new JsonFileCollection<NetworkRecord>(Path.Combine(folder, "networks"),
                StateJsonContext.Default.NetworkRecord, NullLogger.Instance));
            var ipam = new IpamService(new JsonFileCollection<AddressPool>(pools, StateJsonContext.Default.AddressPool,
                NullLogger.Instance), networks, NullLogger<IpamService>.Instance);
            ipam.Load();
            var pool = ipam.Pools.Single();
            Assert.That(pool.Allocations.Select(a => $"{a.Address} {a.Kind}").Order(StringComparer.Ordinal),
                Is.EqualTo(new[] { "10.40.1.1 Dynamic", "10.40.1.99 Requested" }));
            Assert.That(pool.JournalSequence, Is.EqualTo(4));
            Assert.That(ipam.RequestAddress(pool.Id, null, gateway: false).ToString(), Is.EqualTo("10.40.1.0/16"),
                "the released address is free again");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
