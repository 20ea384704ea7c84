using System.Net;
using L2Vlan.Ipam;
using L2Vlan.State;

namespace L2Vlan.Tests.Fakes;

/// <summary>
/// The IPAM with its pools as text, as <c>l2vlan status</c> prints them. PluginDispatcherTests speaks in
/// Docker's strings and stays as Docker's bytes are; it hands this to the dispatcher, which takes the IPAM itself.
/// </summary>
internal sealed class IpamText(IpamService ipam)
{
    public static implicit operator IpamService(IpamText text) => text._ipam;

    private readonly IpamService _ipam = ipam;

    public IReadOnlyList<PoolText> Pools =>
        _ipam.Pools.Select(p =>
            new PoolText(p.Id, p.Gateway?.ToString(),
                p.Allocations.Select(a => new AllocationText(a.Address.ToString(), a.Kind)).ToList())).ToList();

    public void MarkAuxiliary(IPAddress address) => _ipam.MarkAuxiliary(address);
}

internal sealed record PoolText(string Id, string? Gateway, IReadOnlyList<AllocationText> Allocations);

internal sealed record AllocationText(string Address, AllocationKind Kind);
