using System.Net;
using L2Vlan.Domain;
using L2Vlan.Metrics;
using L2Vlan.Netlink;
using L2Vlan.Packets;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// Refuses an endpoint whose address another station on the VLAN already holds: each node's IPAM is
/// local, so nothing else stops two nodes, or a machine outside Docker, from using one address.
/// <para>
/// The probes go out of, and the answers are read on, the VLAN sub-interface: it is the bridge's port to the VLAN
/// and exists before the endpoint's veth does. From there a probe reaches only the wire (the bridge does not echo
/// it to the containers on this host), and every frame from the wire passes its taps before the bridge takes it,
/// including a reply unicast to the endpoint's MAC, which the bridge would not pass up to its own device.
/// Sending out of the bridge or the host veth would also flood the probe to this host's other containers, and a
/// listener on the bridge device would miss those unicast replies.
/// </para>
/// <para>
/// The probes speak as the host's own station on the VLAN (the sub-interface's MAC), not as the endpoint. An
/// endpoint's MAC is derived from its address, so another node's container that holds the same address has the
/// same MAC: its answer, sent from and to that MAC, would look like our own frame, and its bridge, which has that
/// MAC on the container's port, would never send it back out to the wire.
/// </para>
/// <para>
/// The probe starts when the endpoint is created (<see cref="Start"/>): its address and MAC are known then, and Docker
/// makes the container's namespace before it sends the Join, which waits only for the rest (<see cref="Await"/>).
/// </para>
/// </summary>
public sealed class DuplicateAddressCheck(IAddressProber prober, ILinkControl links,
    ILogger<DuplicateAddressCheck> logger)
{
    /// <summary>What one Join needs to probe, copied out under the network's lock so the probe runs without
    /// it.</summary>
    public sealed record Target(string NetworkId, string VlanLink, int VlanId,
        System.Net.NetworkInformation.PhysicalAddress Mac, IReadOnlyList<IPAddress> Addresses);

    /// <summary>
    /// What to probe for <paramref name="endpoint"/>, or null when the network has probing off or it has no address.
    /// <paramref name="byDefault"/>: the policy's <c>dad</c>, for a network created without <c>-o dad</c>.
    /// </summary>
    public static Target? For(NetworkRecord network, EndpointRecord endpoint, bool byDefault = true)
    {
        if (!NetworkOptionsParser.DadEnabled(network.Options, byDefault)) return null;
        var addresses = new[] { endpoint.Address, endpoint.AddressIPv6 }.OfType<InterfaceAddress>()
            .Select(a => a.Address).ToList();
        return addresses.Count == 0 ? null
            : new Target(network.NetworkId, $"{network.ExtIf}.{network.VlanId}", network.VlanId, endpoint.MacAddress,
                addresses);
    }

    private readonly EarlyProbes _early = new();

    /// <summary>How many probes started at the endpoint's creation wait for their Join.</summary>
    public int Pending => _early.Count;

    /// <summary>
    /// Starts probing for a new endpoint, unless its network has probing off; its Join waits for it.
    /// <paramref name="byDefault"/>: the policy's <c>dad</c>, as in <see cref="For"/>.
    /// </summary>
    public void Start(NetworkRecord network, EndpointRecord endpoint, bool byDefault = true)
    {
        if (For(network, endpoint, byDefault) is { } target)
            _early.Start(network.NetworkId, endpoint.EndpointId, target, Check);
    }

    /// <summary>
    /// The Join's check: waits for the probe started with the endpoint, or probes now when there is none; throws the
    /// same <see cref="UserError"/> either way when another station answered. Holds no lock.
    /// </summary>
    public void Await(string endpointId, Target target)
    {
        using var timed = CallClock.Time(CallPhase.Probe);
        if (_early.Take(target.NetworkId, endpointId, target) is { } started) started.GetAwaiter().GetResult();
        else Check(target);
    }

    /// <summary>The endpoint is deleted before its Join: its probe stops and leaves nothing.</summary>
    public void Cancel(string networkId, string endpointId) => _early.Cancel(networkId, endpointId);

    /// <summary>The network is deleted: its endpoints' probes stop.</summary>
    public void CancelNetwork(string networkId) => _early.CancelNetwork(networkId);

    /// <summary>Probes; throws a <see cref="UserError"/> when another station answers. Holds no lock: it waits on the
    /// wire.</summary>
    public void Check(Target target) => Check(target, CancellationToken.None);

    private void Check(Target target, CancellationToken cancel)
    {
        var addresses = string.Join(", ", target.Addresses);
        if (links.FindLink(target.VlanLink) is not { } vlan)
        {
            // The bridge's own checks report a missing sub-interface; probing is a safety net, not a gate.
            logger.LogWarning("Duplicate address check of {Addresses} skipped: {VlanLink} is missing", addresses,
                target.VlanLink);
            return;
        }
        AddressClaim? claim;
        try
        {
            claim = prober.Probe(vlan.Index, vlan.Mac ?? target.Mac, target.Addresses, cancel);
        }
        catch (Exception e) when (e is SystemCallException)
        {
            logger.LogWarning("Duplicate address check of {Addresses} on {VlanLink} failed, going on without it: " +
                "{Message}", addresses, target.VlanLink, e.Message);
            return;
        }
        if (cancel.IsCancellationRequested)
        {
            logger.LogDebug("Duplicate address check of {Addresses} cancelled: its endpoint was deleted", addresses);
            return;
        }
        if (claim is null)
        {
            logger.LogInformation("No other station on VLAN {VlanId} ({VlanLink}) holds {Addresses} (probed for " +
                "{Milliseconds} ms)",
                target.VlanId, target.VlanLink, addresses, (int)prober.Duration.TotalMilliseconds);
            return;
        }
        logger.LogWarning("Refused {Address} on VLAN {VlanId} ({VlanLink}): {Holder} holds it", claim.Address,
            target.VlanId, target.VlanLink, Mac(claim));
        throw new UserError($"address {claim.Address} is already in use on VLAN {target.VlanId} ({target.VlanLink}) " +
            $"by the station with MAC {Mac(claim)}, which answered l2vlan's duplicate address probe; use another " +
            $"address, or create the network with -o {NetworkOptionsParser.DadOption}=off to skip the check");
    }

    /// <summary>52:54:00:12:34:56, as ip and arp print it.</summary>
    private static string Mac(AddressClaim claim) =>
        string.Join(':', claim.Holder.GetAddressBytes()
            .Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
