using System.Net;

namespace L2Vlan.Domain;

/// <summary>A run of consecutive addresses of one family, first to last, both included.</summary>
public readonly record struct AddressRange(IPAddress First, IPAddress Last)
{
    /// <summary>How many addresses the run holds.</summary>
    public UInt128 Count => AddressMath.ToNumber(Last) - AddressMath.ToNumber(First) + 1;

    /// <summary>"10.0.0.2-10.0.0.200", or the one address of a run of one.</summary>
    public override string ToString() => First.Equals(Last) ? First.ToString() : $"{First}-{Last}";
}
