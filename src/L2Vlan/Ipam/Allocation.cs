namespace L2Vlan.Ipam;

public sealed record Allocation(string Address, AllocationKind Kind);
