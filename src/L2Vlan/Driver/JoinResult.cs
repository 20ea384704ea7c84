using System.Net;
using L2Vlan.Domain;

namespace L2Vlan.Driver;

/// <summary>
/// What a container gets when it joins: the veth end to move into it, its default gateways (none on an
/// --internal network) and the -o routes via the gateway.
/// </summary>
public sealed record JoinResult(string ContainerVeth, IPAddress? Gateway, IPAddress? GatewayIPv6,
    IReadOnlyList<ContainerRoute> Routes);

public sealed record ContainerRoute(Cidr Destination, IPAddress NextHop);
