using L2Vlan.Driver;
using L2Vlan.Netlink;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Host;

/// <summary>
/// Follows the kernel's link events and has <see cref="StateRecovery"/> put back what the records say, so a NIC
/// that is re-created, or appears only after the start, gets its VLAN link back without a restart of l2vlan.
/// A burst of events is taken as one: the names are collected until nothing more is queued. When the kernel
/// dropped events, every bridge is checked. Nothing here ever stops the watching but the service's stop.
/// </summary>
public sealed class LinkWatcher(LinkEventSocket events, StateRecovery recovery, ILogger<LinkWatcher> logger)
    : BackgroundService
{
    /// <summary>How long one receive waits, and so how long a stop may wait for the watcher.</summary>
    public static readonly TimeSpan ReceiveWait = TimeSpan.FromMilliseconds(500);

    // The receive blocks: a thread of its own rather than one of the pool's.
    protected override Task ExecuteAsync(CancellationToken stop) =>
        Task.Factory.StartNew(() => Watch(stop), stop, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Watch(CancellationToken stop)
    {
        // The start-up recovery ran before the socket was open: whatever changed in between is found by a full check.
        var everything = true;
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (!stop.IsCancellationRequested)
        {
            if (everything) Restore(null);
            else foreach (var name in names) Restore(name);
            names.Clear();
            try
            {
                everything = Collect(events.Receive(wait: true), names);
                // What queued up behind the first event is taken in the same pass: one restore for a burst.
                while (!stop.IsCancellationRequested && events.Receive(wait: false) is { Count: > 0 } more)
                    everything |= Collect(more, names);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Reading link events failed: {Message}; checking every bridge", e.Message);
                everything = true;
                stop.WaitHandle.WaitOne(ReceiveWait);
            }
        }
    }

    /// <summary>Adds the events' link names; true when events were lost.</summary>
    private bool Collect(IReadOnlyList<LinkEvent> batch, HashSet<string> names)
    {
        var lost = false;
        foreach (var e in batch)
        {
            if (e.Kind == LinkEventKind.Lost)
            {
                logger.LogWarning("The kernel dropped link events (the socket overran); checking every bridge");
                lost = true;
            }
            else
            {
                names.Add(e.Name);
            }
        }
        return lost;
    }

    private void Restore(string? name)
    {
        try
        {
            recovery.RestoreLinksOf(name);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Restoring links after a link event failed: {Message}", e.Message);
        }
    }
}
