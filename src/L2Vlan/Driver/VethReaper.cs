using System.Threading.Channels;
using L2Vlan.Netlink;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// Deletes the veths of deleted endpoints after Docker got its answer. A veth's delete waits for an RCU grace period
/// (about 17 ms on a host, 45 ms in a TCG VM), one after another: on Docker's critical path that is most of a
/// <c>docker rm</c>'s cost in l2vlan. So DeleteEndpoint records the host end in its network's
/// <see cref="NetworkRecord.PendingVethDeletes"/> (saved before the answer) and hands it here; one background task
/// deletes the links and then drops the names from the record.
/// <para>
/// Rules: a crash never leaks a link (start-up finishes what is recorded, <see cref="Finish"/>, before serving); a
/// name is never reused while its old link may exist (<see cref="IsPending"/> holds it until its record is dropped,
/// and <see cref="EndpointWiring.Record"/> picks another); a network, and so its bridge, goes only after its pending
/// veths are gone (<see cref="NetworkDriver.DeleteNetwork"/> calls <see cref="Finish"/> first). The task uses a
/// netlink socket of its own: a delete's grace period does not hold up the calls' link work.
/// </para>
/// </summary>
public sealed class VethReaper
{
    /// <summary>The service key of the link control the reaper deletes with (its own netlink socket on a real
    /// kernel).</summary>
    public const string LinksKey = "veth-reaper";

    private readonly NetworkRegistry _networks;
    private readonly ILinkControl _links;
    private readonly ILogger<VethReaper> _logger;
    private readonly Channel<(string Network, string Veth)> _queue =
        Channel.CreateUnbounded<(string, string)>(new() { SingleReader = true });
    private readonly Lock _gate = new();
    // Names handed here whose record is not dropped yet: their links may still exist.
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);

    public VethReaper(NetworkRegistry networks, ILinkControl links, ILogger<VethReaper> logger)
    {
        (_networks, _links, _logger) = (networks, links, logger);
        new Thread(Run) { IsBackground = true, Name = ThreadName }.Start();
    }

    /// <summary>The name of the one thread that deletes in the background.</summary>
    public const string ThreadName = "l2vlan veth reaper";

    /// <summary>The name may still be a link this reaper is to delete: not to be used for a new one.</summary>
    public bool IsPending(string name)
    {
        lock (_gate) return _pending.Contains(name);
    }

    /// <summary>Nothing is waiting to be deleted (tests wait for it).</summary>
    public bool Idle
    {
        get
        {
            lock (_gate) return _pending.Count == 0;
        }
    }

    /// <summary>Deletes <paramref name="veth"/> later. The caller recorded it in the network's pending deletes and
    /// saved.</summary>
    public void Enqueue(string networkId, string veth)
    {
        lock (_gate) _pending.Add(veth);
        _queue.Writer.TryWrite((networkId, veth));
    }

    /// <summary>
    /// Deletes the network's pending veths now and clears the list; the caller holds the network's lock and saves or
    /// removes the record. For a network's delete and for start-up. The names stay <see cref="IsPending"/> until the
    /// background task got to them too, so it never deletes a new link of the same name.
    /// </summary>
    public void Finish(NetworkRecord network)
    {
        foreach (var veth in network.PendingVethDeletes)
        {
            if (_links.DeleteLink(veth))
            {
                _logger.LogInformation("Deleted veth {Veth} of a deleted endpoint of network {Network}", veth,
                    network.NetworkId);
            }
        }
        network.PendingVethDeletes.Clear();
    }

    private void Run()
    {
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            // What arrived meanwhile goes in one round: one record save per network for the lot.
            var batch = new List<(string Network, string Veth)>();
            while (_queue.Reader.TryRead(out var item)) batch.Add(item);
            var deleted = batch.Where(item => Delete(item.Veth)).ToList();
            foreach (var network in deleted.GroupBy(item => item.Network))
                Forget(network.Key, network.Select(item => item.Veth).ToHashSet(StringComparer.Ordinal));
        }
    }

    private bool Delete(string veth)
    {
        try
        {
            if (_links.DeleteLink(veth)) _logger.LogInformation("Deleted veth {Veth} of a deleted endpoint", veth);
            return true;
        }
        catch (Exception e)
        {
            // The name stays recorded and pending: the next start tries again, and no new link takes the name.
            _logger.LogError("Could not delete veth {Veth}: {Message}; the next start tries again", veth, e.Message);
            return false;
        }
    }

    private void Forget(string networkId, HashSet<string> veths)
    {
        try
        {
            using (_networks.LockNetwork(networkId))
            {
                // A deleted network took its list with it (after Finish).
                if (_networks.Find(networkId) is { } network
                    && network.PendingVethDeletes.RemoveAll(veths.Contains) > 0)
                {
                    _networks.Save(network);
                }
            }
            lock (_gate) _pending.ExceptWith(veths);
        }
        catch (Exception e)
        {
            _logger.LogError("Could not record the delete of veths {Veths}: {Message}; the next start deletes them " +
                "again", string.Join(", ", veths), e.Message);
        }
    }
}
