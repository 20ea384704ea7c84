namespace L2Vlan.Policy;

/// <summary>VLAN IDs <see cref="From"/> to <see cref="To"/>, both included; one ID when they are equal.</summary>
public readonly record struct VlanRange(int From, int To)
{
    public bool Contains(int vlanId) => vlanId >= From && vlanId <= To;

    public override string ToString() => From == To ? $"{From}" : $"{From}-{To}";
}
