using L2Vlan.Faults;
using Microsoft.Win32.SafeHandles;

namespace L2Vlan.State;

/// <summary>
/// Appends to journal files, and lets many callers share one fsync. A caller appends (under its own lock, so the
/// records are in order), lets its lock go, and then waits until its record is durable: the first waiter syncs every
/// file written so far, and those that arrived while it synced find their records durable, or sync the next batch
/// together. A write the disk refuses (full, read-only) throws <see cref="StateDiskFullException"/>: the caller undoes
/// its change. A sync that fails is fatal (<paramref name="fatal"/>): the records in memory may not be on disk, and
/// Linux may have dropped the pages that failed, so no retry can tell; no caller may be told they are; the service
/// exits, and the next start replays what the journals hold.
/// A file with records to sync is held open (a reference on its handle) until they are synced, even if its owner
/// closes it meanwhile.
/// </summary>
public sealed class GroupCommit(Action<Exception> fatal, Action<SafeFileHandle>? sync = null)
{
    private readonly Action<SafeFileHandle> _sync = sync ?? DataSync;
    private readonly Lock _appending = new();
    private readonly Lock _syncing = new();
    private readonly HashSet<SafeFileHandle> _dirty = [];
    private long _appended;
    private long _durable;

    /// <summary>How many batches were synced: each covers every record appended before it started.</summary>
    public long Syncs { get; private set; }

    /// <summary>Writes <paramref name="record"/> at <paramref name="offset"/>; returns the ticket to wait for with
    /// <see cref="WaitDurable"/>.</summary>
    public long Append(SafeFileHandle file, long offset, ReadOnlySpan<byte> record)
    {
        lock (_appending)
        {
            try
            {
                StateDisk.Current.Write(file, record, offset);
            }
            catch (Exception e) when (StateDisk.IsRefusal(e))
            {
                throw new StateDiskFullException(e);
            }
            if (_dirty.Add(file))
            {
                var added = false;
                file.DangerousAddRef(ref added);
            }
            return ++_appended;
        }
    }

    /// <summary>Returns once the record of <paramref name="ticket"/> (and every one before it) is on disk.</summary>
    public void WaitDurable(long ticket)
    {
        if (ticket <= 0 || Volatile.Read(ref _durable) >= ticket) return;
        lock (_syncing)
        {
            if (_durable >= ticket) return;
            long target;
            List<SafeFileHandle> files;
            lock (_appending)
            {
                target = _appended;
                // Their references, taken by Append, are let go once synced: a journal closed meanwhile closes after
                // this.
                files = [.. _dirty];
                _dirty.Clear();
            }
            try
            {
                KillPoints.Reach(KillPoints.JournalSyncBefore);
                foreach (var file in files) _sync(file);
                KillPoints.Reach(KillPoints.JournalSyncAfter);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                var failed = new StateDiskFailedException("a pool's journal", e);
                fatal(failed);
                throw failed;
            }
            finally
            {
                foreach (var file in files) file.DangerousRelease();
            }
            Syncs++;
            Volatile.Write(ref _durable, target);
        }
    }

    /// <summary>The file's pool is deleted: nothing of it needs syncing any more, and it may close now.</summary>
    public void Forget(SafeFileHandle file)
    {
        lock (_appending)
        {
            if (_dirty.Remove(file)) file.DangerousRelease();
        }
    }

    /// <summary>fdatasync: the data and the file's length, which is all a journal needs.</summary>
    public static void DataSync(SafeFileHandle file) => StateDisk.Current.DataSync(file);
}
