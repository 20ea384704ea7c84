using System.Net;

namespace L2Vlan.State;

public sealed record Allocation(IPAddress Address, AllocationKind Kind);
