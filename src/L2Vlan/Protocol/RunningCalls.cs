namespace L2Vlan.Protocol;

/// <summary>
/// The calls being served now and when each began: the watchdog's view of a call that its time limits failed to
/// end. Safe for concurrent use.
/// </summary>
public sealed class RunningCalls(TimeProvider clock)
{
    private readonly Dictionary<long, (string Path, long Started)> _calls = [];
    private long _next;

    /// <summary>Counts the call as running until the handle is disposed.</summary>
    public IDisposable Begin(string path)
    {
        var started = clock.GetTimestamp();
        long id;
        lock (_calls)
        {
            id = ++_next;
            _calls[id] = (path, started);
        }
        return new Running(this, id);
    }

    /// <summary>The call running the longest, and for how long; null when none runs.</summary>
    public (string Path, TimeSpan Age)? Oldest()
    {
        (string Path, long Started)? oldest = null;
        lock (_calls)
        {
            foreach (var call in _calls.Values)
                if (oldest is null || call.Started < oldest.Value.Started) oldest = call;
        }
        return oldest is { } o ? (o.Path, clock.GetElapsedTime(o.Started)) : null;
    }

    private void End(long id)
    {
        lock (_calls) _calls.Remove(id);
    }

    private sealed class Running(RunningCalls owner, long id) : IDisposable
    {
        public void Dispose() => owner.End(id);
    }
}
