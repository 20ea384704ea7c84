using L2Vlan.Faults;
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
/// <para>
/// Only the journals written last are kept open (<see cref="OpenJournals"/>): with one network per fixed address a host
/// has thousands of pools, and a descriptor per pool ran into the open-file limit. A journal closed here while its
/// records wait for their sync stays open in <see cref="GroupCommit"/> until they are synced.
/// </para>
/// </summary>
public sealed class PoolStore(JsonFileCollection<AddressPool> snapshots, GroupCommit commits, ILogger logger)
{
    private const string JournalExtension = ".journal";
    private const long LeastCompactionBound = 64 * 1024;

    /// <summary>How many journals stay open between writes: the busy pools' appends cost no open(2).</summary>
    public const int OpenJournals = 64;

    private readonly Dictionary<string, Journal> _journals = new(StringComparer.Ordinal);

    /// <summary>The open journals, the one written last first.</summary>
    private readonly LinkedList<Journal> _open = new();

    public JsonFileCollection<AddressPool> Snapshots => snapshots;

    public GroupCommit Commits => commits;

    /// <summary>
    /// Whether the journal is due for compaction: past max(64 KiB, the snapshot), so compaction's cost per change stays
    /// bounded whatever the pool holds. Under the kill-point suite (<see cref="KillPoints.IsArmed"/>) past 64 bytes, a
    /// few records, so that its short cycles reach the compaction's points too.
    /// </summary>
    private static bool DueForCompaction(Journal journal) =>
        KillPoints.IsArmed ? journal.Length > 64
            : journal.Length > Math.Max(LeastCompactionBound, journal.SnapshotLength);

    private sealed class Journal(string path, long length, long snapshotLength)
    {
        public string Path { get; } = path;
        public long Length { get; set; } = length;
        public long SnapshotLength { get; set; } = snapshotLength;
        /// <summary>Open while among the <see cref="OpenJournals"/> written last; null otherwise.</summary>
        public SafeFileHandle? Handle { get; set; }
        public LinkedListNode<Journal>? Node { get; set; }
    }

    /// <summary>
    /// Every readable pool with its journal replayed; a journal's torn end is cut off, a journal with no snapshot goes,
    /// and a pool whose journal holds a record this release does not know goes to quarantine.
    /// </summary>
    public IReadOnlyList<AddressPool> LoadAll()
    {
        foreach (var journal in _journals.Values) Close(journal);
        _journals.Clear();
        var pools = new List<AddressPool>();
        var loaded = snapshots.LoadAll();
        // The journals are read on every core, then replayed in order: thousands of pools made this most of a start.
        var journals = new (byte[] Bytes, long SnapshotLength, bool Missing)[loaded.Count];
        Parallel.For(0, loaded.Count, i => journals[i] = ReadJournal(loaded[i].Key));
        var created = journals.Any(j => j.Missing);
        for (var i = 0; i < loaded.Count; i++)
        {
            var (key, pool) = loaded[i];
            var path = JournalPath(key);
            var (bytes, snapshotLength, missing) = journals[i];
            // Made here, one at a time, not while the journals are read in parallel: a create is a change to the
            // folder.
            if (missing) StateDisk.Current.Open(path, FileMode.OpenOrCreate).Dispose();
            var length = bytes.LongLength;
            var (good, unknown) = JournalRecords.Replay(pool, JournalRecords.Decode(bytes));
            if (unknown is { } sequence)
            {
                // A whole record this release cannot apply: a newer release's (then downgraded from), or a value that
                // does not parse. The pool as of the record before it would hand out again what that record, or one
                // after it, holds; cutting the journal there would lose records that a newer release can read. So the
                // pool goes to quarantine, snapshot and journal unchanged (the journal follows below), as a file that
                // cannot be read does: start-up re-creates it holding what the networks' records use
                // (IpamService.HoldAddressesOfNetworks), and moving both files back after an upgrade restores it.
                snapshots.QuarantineAtLoad(key, $"record {sequence} of its journal {Path.GetFileName(path)} is not a " +
                    $"pool change this release knows");
                continue;
            }
            if (good < length)
            {
                logger.LogWarning("Journal {Path}: the last {Bytes} bytes are a change cut short by a crash (never " +
                    "answered); cut off", path, length - good);
                using var handle = StateDisk.Current.Open(path, FileMode.Open);
                StateDisk.Current.SetLength(handle, good);
                GroupCommit.DataSync(handle);
            }
            pool.Pending.Clear();
            _journals[key] = new Journal(path, good, snapshotLength);
            pools.Add(pool);
        }
        foreach (var path in Directory.EnumerateFiles(snapshots.Directory, "*" + JournalExtension))
        {
            var key = Path.GetFileNameWithoutExtension(path);
            if (_journals.ContainsKey(key)) continue;
            if (snapshots.QuarantinedAtLoad.Contains(key))
            {
                File.Move(path,
                    Path.Combine(snapshots.QuarantineDirectory,
                        $"{Path.GetFileName(path)}.{DateTime.UtcNow:yyyyMMddTHHmmssfffZ}"));
                logger.LogError("Journal {Path} of a quarantined pool moved to quarantine beside it", path);
            }
            else
            {
                // Its pool was deleted: the snapshot goes first, so the journal of a pool deleted by a crash is left.
                File.Delete(path);
            }
        }
        if (created) StateDisk.Current.SyncFolder(snapshots.Directory);
        return pools;
    }

    /// <summary>The journal of the pool's snapshot <paramref name="key"/> (empty and <c>Missing</c> when there is
    /// none), and the snapshot's length.</summary>
    private (byte[] Bytes, long SnapshotLength, bool Missing) ReadJournal(string key)
    {
        var snapshotLength = new FileInfo(snapshots.PathOf(key)).Length;
        var path = JournalPath(key);
        if (!File.Exists(path)) return ([], snapshotLength, true);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var bytes = new byte[RandomAccess.GetLength(handle)];
        RandomAccess.Read(handle, bytes, 0);
        return (bytes, snapshotLength, false);
    }

    /// <summary>
    /// Writes the pool's changes: a new pool's snapshot at once (durable on return), a known pool's changes appended
    /// to its journal; returns the ticket to wait for outside the caller's lock (0: nothing to wait for). A write the
    /// disk refuses throws <see cref="StateDiskFullException"/> and leaves the files as they were: the caller puts the
    /// pool in memory back as they hold it (<see cref="Reload"/>).
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
        long ticket;
        try
        {
            ticket = commits.Append(Opened(journal), journal.Length, bytes);
        }
        catch (StateDiskFullException)
        {
            CutBack(journal);
            throw;
        }
        journal.Length += bytes.Length;
        if (DueForCompaction(journal)) Compact(key, pool, journal);
        return ticket;
    }

    /// <summary>
    /// The journal after a refused append: part of it may have been written, whole records even (several changes go
    /// in one write), which the next load would replay; the call is refused, so they are cut off.
    /// </summary>
    private void CutBack(Journal journal)
    {
        try
        {
            StateDisk.Current.SetLength(Opened(journal), journal.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StateDisk.SyncFailed("a pool's journal, cut back after a refused write,", e);
        }
    }

    /// <summary>The pool as its files hold it, or null for a pool that has none: what memory goes back to after a
    /// refused write.</summary>
    public AddressPool? Reload(string poolId)
    {
        var key = AddressPool.FileKey(poolId);
        if (!_journals.TryGetValue(key, out var journal) || snapshots.Read(key) is not { } pool) return null;
        var bytes = new byte[journal.Length];
        RandomAccess.Read(Opened(journal), bytes, 0);
        JournalRecords.Replay(pool, JournalRecords.Decode(bytes));
        pool.Pending.Clear();
        return pool;
    }

    /// <summary>Removes the pool's files: the snapshot first, so a crash in between leaves a journal that the next load
    /// deletes.</summary>
    public void Delete(string poolId)
    {
        var key = AddressPool.FileKey(poolId);
        snapshots.Delete(key);
        if (_journals.Remove(key, out var journal))
        {
            if (journal.Handle is { } handle) commits.Forget(handle);
            Close(journal);
        }
        try
        {
            StateDisk.Current.Delete(JournalPath(key));
        }
        catch (Exception e) when (StateDisk.IsRefusal(e))
        {
            // The snapshot is gone, so the pool is: the next load deletes a journal left without one.
            logger.LogWarning("Journal of pool {Pool} not deleted ({Problem}); the next start deletes it", poolId,
                e.Message);
        }
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
            if (_journals.Remove(key, out var journal)) Close(journal);
            StateDisk.Current.Delete(JournalPath(key));
        }
        StateDisk.Current.SyncFolder(snapshots.Directory);
        return pools;
    }

    /// <summary>Every readable pool with its journal replayed, touching nothing: for readers beside the service
    /// (status, tests).</summary>
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
        var journal = new Journal(JournalPath(key), 0, 0);
        Opened(journal, FileMode.Create);
        try
        {
            snapshots.Save(key, pool);
        }
        catch (StateDiskFullException)
        {
            Close(journal);
            StateDisk.Current.Delete(journal.Path);
            throw;
        }
        journal.SnapshotLength = new FileInfo(snapshots.PathOf(key)).Length;
        _journals[key] = journal;
    }

    /// <summary>
    /// The journal's descriptor, opened if it was closed; the least recently written journal beyond
    /// <see cref="OpenJournals"/> is closed. A disk that refuses the open throws <see cref="StateDiskFullException"/>.
    /// </summary>
    private SafeFileHandle Opened(Journal journal, FileMode mode = FileMode.Open)
    {
        if (journal.Handle is { } open)
        {
            _open.Remove(journal.Node!);
            _open.AddFirst(journal.Node!);
            return open;
        }
        try
        {
            journal.Handle = StateDisk.Current.Open(journal.Path, mode);
        }
        catch (Exception e) when (StateDisk.IsRefusal(e))
        {
            throw new StateDiskFullException(e);
        }
        journal.Node = _open.AddFirst(journal);
        if (_open.Count > OpenJournals) Close(_open.Last!.Value);
        return journal.Handle;
    }

    /// <summary>Closes the journal's descriptor; records still waiting for their sync keep it open in
    /// <see cref="GroupCommit"/> until then.</summary>
    private void Close(Journal journal)
    {
        if (journal.Handle is not { } handle) return;
        _open.Remove(journal.Node!);
        (journal.Handle, journal.Node) = (null, null);
        handle.Dispose();
    }

    /// <summary>
    /// A new snapshot, then an empty journal. Only a saving: the journal already holds the change, so a disk that
    /// refuses leaves the journal longer, and the next change tries again.
    /// </summary>
    private void Compact(string key, AddressPool pool, Journal journal)
    {
        try
        {
            snapshots.Save(key, pool);
        }
        catch (StateDiskFullException e)
        {
            logger.LogWarning("Pool {Pool}: its journal is not compacted ({Problem}); tried again at its next change",
                pool.Id, e.Message);
            return;
        }
        KillPoints.Reach(KillPoints.JournalCompactAfterSnapshot);
        var handle = Opened(journal);
        StateDisk.Current.SetLength(handle, 0);
        GroupCommit.DataSync(handle);
        KillPoints.Reach(KillPoints.JournalCompactAfterTruncate);
        journal.Length = 0;
        journal.SnapshotLength = new FileInfo(snapshots.PathOf(key)).Length;
    }

    private string JournalPath(string key) => Path.Combine(snapshots.Directory, key + JournalExtension);
}
