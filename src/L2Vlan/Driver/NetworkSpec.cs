using System.Net;
using L2Vlan.State;

namespace L2Vlan.Driver;

/// <summary>
/// A network Docker asks for: its ID, the user's -o options, whether it is --internal, the subnets and gateways
/// the IPAM gave it, and its --aux-addresses.
/// </summary>
public sealed record NetworkSpec(
    string NetworkId,
    IReadOnlyDictionary<string, string> Options,
    bool Internal,
    IReadOnlyList<SubnetRecord> Subnets,
    IReadOnlyList<IPAddress> AuxAddresses);
