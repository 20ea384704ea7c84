namespace L2Vlan.Adapter;

/// <summary>
/// Which spliced connections still wait for the service's answer. The relay knows nothing of HTTP, so
/// "waiting" is read from the flow of bytes: a connection waits from the moment bytes go to the service
/// until bytes come back. Docker keeps idle connections open between calls (HTTP keep-alive); those do
/// not wait, so a relay that is stopping need not wait for them either.
/// </summary>
internal sealed class SpliceTracker
{
    private readonly object _gate = new();
    private readonly HashSet<Splice> _open = [];
    private long _lastBytesAt = Environment.TickCount64;

    public sealed class Splice
    {
        internal volatile bool AwaitingAnswer;
    }

    public Splice Open()
    {
        var splice = new Splice();
        lock (_gate) _open.Add(splice);
        return splice;
    }

    public void Close(Splice splice)
    {
        lock (_gate) _open.Remove(splice);
    }

    public void Forwarded(Splice splice, bool toService)
    {
        splice.AwaitingAnswer = toService;
        Interlocked.Exchange(ref _lastBytesAt, Environment.TickCount64);
    }

    /// <summary>
    /// No connection waits for an answer, and no byte has moved for <paramref name="settle"/>: an answer
    /// may come in several writes, and its first bytes already end the wait.
    /// </summary>
    public bool IsQuiet(TimeSpan settle)
    {
        if (Environment.TickCount64 - Interlocked.Read(ref _lastBytesAt) < (long)settle.TotalMilliseconds) return false;
        lock (_gate) return !_open.Any(s => s.AwaitingAnswer);
    }
}
