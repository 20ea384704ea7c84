using L2Vlan.Host;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace L2Vlan.State;

/// <summary>
/// The pools' files: per pool a snapshot, <c>KEY.json</c> (the file releases before the journal wrote, which they
/// load unchanged), and a journal, <c>KEY.journal</c>, of the changes since (<see cref="JournalRecords"/>). A change
/// appends a few dozen bytes, whatever the pool holds; once the journal outgrows max(64 KiB, the snapshot) a new
/// snapshot is written atomically, holding the journal's last sequence number, and the journal is emptied: a crash
/// between the two leaves records the snapshot holds, which the next load skips. Not thread-safe: the IPAM calls in
/// under its lock, and waits for <see cref="GroupCommit.WaitDurable"/> after letting it go.
/// </summary>
public sealed class PoolStore(JsonFileCollection<AddressPool> snapshots, GroupCommit commits, ILogger logger)
{
    private const string JournalExtension = ".journal";
    private const long LeastCompactionBound = 64 * 1024;

    private readonly Dictionary<string, Journal> _journals = new(StringComparer.Ordinal);

    public JsonFileCollection<AddressPool> Snapshots => snapshots;

    public GroupCommit Commits => commits;

    /// <summary>
    /// Whether the journal is due for compaction: past max(64 KiB, the snapshot), so compaction's cost per change stays
    /// bounded whatever the pool holds. Under the kill-point suite (<see cref="KillPoints.IsArmed"/>) past 64 bytes, a
    /// few records, so that its short cycles reach the compaction's points too.
    /// </summary>
    private static bool DueForCompaction(Journal journal) =>
        KillPoints.IsArmed ? journal.Length > 64 : journal.Length > Math.Max(LeastCompactionBound, journal.SnapshotLength);

    private sealed class Journal(SafeFileHandle handle, long length, long snapshotLength)
    {
        public SafeFileHandle Handle { get; } = handle;
        public long Length { get; set; } = length;
        public long SnapshotLength { get; set; } = snapshotLength;
    }

    /// <summary>
    /// Every readable pool with its journal replayed; a journal's torn end is cut off, a journal with no snapshot goes,
    /// and a pool whose journal holds a record this release does not know goes to quarantine.
    /// </summary>
    public IReadOnlyList<AddressPool> LoadAll()
    {
        foreach (var journal in _journals.Values) journal.Handle.Dispose();
        _journals.Clear();
        var pools = new List<AddressPool>();
        var created = false;
        foreach (var (key, pool) in snapshots.LoadAll())
        {
            var path = JournalPath(key);
            created |= !File.Exists(path);
            var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite);
            var length = RandomAccess.GetLength(handle);
            var bytes = new byte[length];
            RandomAccess.Read(handle, bytes, 0);
            var (good, unknown) = JournalRecords.Replay(pool, JournalRecords.Decode(bytes));
            if (unknown is { } sequence)
            {
                // A whole record this release cannot apply: a newer release's (then downgraded from), or a value that
                // does not parse. The pool as of the record before it would hand out again what that record, or one
                // after it, holds; cutting the journal there would lose records that a newer release can read. So the
                // pool goes to quarantine, snapshot and journal unchanged (the journal follows below), as a file that
                // cannot be read does: start-up re-creates it holding what the networks' records use
                // (IpamService.HoldAddressesOfNetworks), and moving both files back after an upgrade restores it.
                handle.Dispose();
                snapshots.QuarantineAtLoad(key, $"record {sequence} of its journal {Path.GetFileName(path)} is not a pool change this release knows");
                continue;
            }
            if (good < length)
            {
                logger.LogWarning("Journal {Path}: the last {Bytes} bytes are a change cut short by a crash (never answered); cut off", path, length - good);
                RandomAccess.SetLength(handle, good);
                GroupCommit.DataSync(handle);
            }
            pool.Pending.Clear();
            _journals[key] = new Journal(handle, good, new FileInfo(snapshots.PathOf(key)).Length);
            pools.Add(pool);
        }
        foreach (var path in Directory.EnumerateFiles(snapshots.Directory, "*" + JournalExtension))
        {
            var key = Path.GetFileNameWithoutExtension(path);
            if (_journals.ContainsKey(key)) continue;
            if (snapshots.QuarantinedAtLoad.Contains(key))
            {
                File.Move(path, Path.Combine(snapshots.QuarantineDirectory, $"{Path.GetFileName(path)}.{DateTime.UtcNow:yyyyMMddTHHmmssfffZ}"));
                logger.LogError("Journal {Path} of a quarantined pool moved to quarantine beside it", path);
            }
            else
            {
                // Its pool was deleted: the snapshot goes first, so the journal of a pool deleted by a crash is left.
                File.Delete(path);
            }
        }
        if (created) DirectorySync.Flush(snapshots.Directory);
        return pools;
    }

    /// <summary>
    /// Writes the pool's changes: a new pool's snapshot at once (durable on return), a known pool's changes appended
    /// to its journal; returns the ticket to wait for outside the caller's lock (0: nothing to wait for).
    /// </summary>
    public long Save(AddressPool pool)
    {
        var key = AddressPool.FileKey(pool.Id);
        if (!_journals.TryGetValue(key, out var journal))
        {
            Create(key, pool);
            return 0;
        }
        if (pool.Pending.Count == 0) return 0;
        var sequence = pool.JournalSequence ?? 0;
        var records = pool.Pending.Select(change => JournalRecords.Encode(++sequence, change)).ToList();
        pool.Pending.Clear();
        pool.JournalSequence = sequence;
        var bytes = records.Count == 1 ? records[0] : records.SelectMany(r => r).ToArray();
        var ticket = commits.Append(journal.Handle, journal.Length, bytes);
        journal.Length += bytes.Length;
        if (DueForCompaction(journal)) Compact(key, pool, journal);
        return ticket;
    }

    /// <summary>Removes the pool's files: the snapshot first, so a crash in between leaves a journal that the next load deletes.</summary>
    public void Delete(string poolId)
    {
        var key = AddressPool.FileKey(poolId);
        snapshots.Delete(key);
        if (_journals.Remove(key, out var journal))
        {
            commits.Forget(journal.Handle);
            journal.Handle.Dispose();
        }
        File.Delete(JournalPath(key));
    }

    /// <summary>
    /// Loads every pool as <see cref="LoadAll"/> does, writes each into its snapshot and deletes its journal: the
    /// files as releases before the journal wrote them, which every release reads (those releases ignore journals, and
    /// would miss what one holds). For a downgrade, with no service running. A crash after a snapshot and before its
    /// journal's delete leaves records the snapshot holds, which a load skips. Returns the pools written.
    /// </summary>
    public IReadOnlyList<AddressPool> FoldJournals()
    {
        var pools = LoadAll();
        foreach (var pool in pools)
        {
            var key = AddressPool.FileKey(pool.Id);
            snapshots.Save(key, pool);
            if (_journals.Remove(key, out var journal)) journal.Handle.Dispose();
            File.Delete(JournalPath(key));
        }
        DirectorySync.Flush(snapshots.Directory);
        return pools;
    }

    /// <summary>Every readable pool with its journal replayed, touching nothing: for readers beside the service (status, tests).</summary>
    public static IReadOnlyList<AddressPool> Peek(string directory, ILogger logger)
    {
        if (!Directory.Exists(directory)) return [];
        var snapshots = new JsonFileCollection<AddressPool>(directory, StateJsonContext.Default.AddressPool, logger);
        var pools = new List<AddressPool>();
        foreach (var (key, pool) in snapshots.Peek())
        {
            var path = Path.Combine(directory, key + JournalExtension);
            byte[] bytes;
            try
            {
                bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
            }
            catch (FileNotFoundException)
            {
                bytes = [];
            }
            // A journal this release cannot replay to its end is skipped, as an unreadable snapshot is: the service
            // quarantines its pool at load.
            if (JournalRecords.Replay(pool, JournalRecords.Decode(bytes)).Unknown is not null) continue;
            pool.Pending.Clear();
            pools.Add(pool);
        }
        return pools;
    }

    private void Create(string key, AddressPool pool)
    {
        pool.Pending.Clear();
        pool.JournalSequence ??= 0;
        // The journal first, empty, so the snapshot never meets records that are not its own; the snapshot's
        // atomic write then syncs the folder, which makes both names durable.
        var handle = File.OpenHandle(JournalPath(key), FileMode.Create, FileAccess.ReadWrite);
        snapshots.Save(key, pool);
        _journals[key] = new Journal(handle, 0, new FileInfo(snapshots.PathOf(key)).Length);
    }

    private void Compact(string key, AddressPool pool, Journal journal)
    {
        snapshots.Save(key, pool);
        KillPoints.Reach(KillPoints.JournalCompactAfterSnapshot);
        RandomAccess.SetLength(journal.Handle, 0);
        GroupCommit.DataSync(journal.Handle);
        KillPoints.Reach(KillPoints.JournalCompactAfterTruncate);
        journal.Length = 0;
        journal.SnapshotLength = new FileInfo(snapshots.PathOf(key)).Length;
    }

    private string JournalPath(string key) => Path.Combine(snapshots.Directory, key + JournalExtension);
}
