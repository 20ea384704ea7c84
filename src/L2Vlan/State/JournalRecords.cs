using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace L2Vlan.State;

/// <summary>
/// How a pool's journal frames its records: length (4 bytes), CRC-32 (IEEE, as zlib) of what follows the CRC (4),
/// sequence number (8), then the change as UTF-8 text (<see cref="PoolChange"/>), little-endian. A crash in the middle
/// of an append leaves a last record that is short or fails its CRC: it was never answered, and is cut off.
/// </summary>
internal static class JournalRecords
{
    private const int Header = 16;
    private const int LongestChange = 4096;

    public readonly record struct Record(long Sequence, string Change, long End);

    public static byte[] Encode(long sequence, string change)
    {
        var text = Encoding.UTF8.GetBytes(change);
        var record = new byte[Header + text.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, text.Length);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(8), sequence);
        text.CopyTo(record.AsSpan(Header));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.HashToUInt32(record.AsSpan(8)));
        return record;
    }

    /// <summary>The whole records at the start of <paramref name="journal"/>, up to the first that is cut short or
    /// damaged.</summary>
    public static List<Record> Decode(ReadOnlySpan<byte> journal)
    {
        var records = new List<Record>();
        var at = 0;
        while (journal.Length - at >= Header)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(journal[at..]);
            if (length is < 0 or > LongestChange || journal.Length - at - Header < length) break;
            var body = journal.Slice(at + 8, 8 + length);
            if (Crc32.HashToUInt32(body) != BinaryPrimitives.ReadUInt32LittleEndian(journal[(at + 4)..])) break;
            var sequence = BinaryPrimitives.ReadInt64LittleEndian(body);
            at += Header + length;
            records.Add(new Record(sequence, Encoding.UTF8.GetString(body[8..]), at));
        }
        return records;
    }

    /// <summary>
    /// What a replay found: where the journal's good part ends, and the sequence number of the first whole record that
    /// is not a pool change this release knows (null when there is none); the replay stopped before that record.
    /// </summary>
    public readonly record struct Replayed(long End, long? Unknown);

    /// <summary>
    /// Applies to <paramref name="pool"/> the records its snapshot does not hold yet, in order. Records the snapshot
    /// holds (a compaction killed before it emptied the journal) are skipped; a record out of sequence after the
    /// applied ones ends the journal like a torn one. A whole record that this release cannot apply stops the replay
    /// (<see cref="Replayed.Unknown"/>): the records after it may depend on it, so the caller decides the pool's fate.
    /// </summary>
    public static Replayed Replay(AddressPool pool, List<Record> records)
    {
        var last = pool.JournalSequence ?? 0;
        var applied = false;
        long end = 0;
        long? unknown = null;
        foreach (var record in records)
        {
            if (record.Sequence <= last && !applied)
            {
                end = record.End;
                continue;
            }
            if (record.Sequence != last + 1) break;
            if (!pool.TryApply(record.Change))
            {
                unknown = record.Sequence;
                break;
            }
            (last, applied, end) = (record.Sequence, true, record.End);
        }
        pool.JournalSequence = last;
        return new Replayed(end, unknown);
    }
}
