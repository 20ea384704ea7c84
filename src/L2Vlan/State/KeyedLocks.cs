using L2Vlan.Metrics;

namespace L2Vlan.State;

/// <summary>
/// One lock per name (a network ID, a bridge name), made when first taken and dropped when nobody holds or waits
/// for it, so a service that saw many names keeps none of them. <see cref="Take"/> blocks until the name is free;
/// dispose the handle to let the next caller in. Not reentrant.
/// </summary>
public sealed class KeyedLocks
{
    private sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public int Users;
    }

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Waits for <paramref name="key"/> and holds it until the handle is disposed.</summary>
    public IDisposable Take(string key)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!)) _entries[key] = entry = new Entry();
            entry.Users++;
        }
        if (!entry.Gate.Wait(0))
        {
            using var waiting = CallClock.Time(CallPhase.LockWait);
            entry.Gate.Wait();
        }
        return new Handle(this, key, entry);
    }

    /// <summary>How many names are held or waited for now (for tests: none is left behind).</summary>
    public int Count
    {
        get
        {
            lock (_entries) return _entries.Count;
        }
    }

    private void Release(string key, Entry entry)
    {
        entry.Gate.Release();
        lock (_entries)
        {
            if (--entry.Users == 0) _entries.Remove(key);
        }
    }

    private sealed class Handle(KeyedLocks owner, string key, Entry entry) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) owner.Release(key, entry);
        }
    }
}
