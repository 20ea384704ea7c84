using L2Vlan.Clients;
using L2Vlan.Firewall;
using L2Vlan.Netlink;
using L2Vlan.State;

namespace L2Vlan.Doctor;

/// <summary>Whether the kernel can make 802.1Q sub-interfaces.</summary>
public enum VlanSupport
{
    Loaded,
    BuiltIn,
    Loadable,
    Missing,
}

/// <summary>
/// What <c>l2vlan doctor</c> found on the host, gathered once, read-only (<see cref="DoctorProbe"/>); the checks are
/// plain functions of it, so each is tested with made-up facts. A null means it could not be learned, and the
/// matching <c>...Error</c> says why.
/// </summary>
public sealed record DoctorFacts
{
    public required string StateDirectory { get; init; }
    public StateView? State { get; init; }
    public string? StateError { get; init; }

    public IReadOnlyList<LinkInfo> Links { get; init; } = [];
    /// <summary>Why the links could not be listed; the link checks are left out then.</summary>
    public string? LinksError { get; init; }

    public VlanSupport Vlan { get; init; }

    /// <summary>The bridges that have l2vlan's accept rule in iptables' FORWARD chain (by the rule's
    /// comment).</summary>
    public IReadOnlySet<string>? AcceptedBridges { get; init; }
    public string? FirewallError { get; init; }
    /// <summary>iptables' FORWARD policy, "ACCEPT" or "DROP".</summary>
    public string? ForwardPolicy { get; init; }
    /// <summary>br_netfilter's bridge-nf-call-iptables: bridged frames go through iptables; null when the module is not
    /// loaded.</summary>
    public bool? BridgeNetfilter { get; init; }

    /// <summary>The same of ip6tables; both null when not read (the IPv6 part of the check is left out then).</summary>
    public IReadOnlySet<string>? AcceptedBridges6 { get; init; }
    public string? FirewallError6 { get; init; }
    public string? ForwardPolicy6 { get; init; }
    /// <summary>br_netfilter's bridge-nf-call-ip6tables.</summary>
    public bool? BridgeNetfilter6 { get; init; }

    /// <summary>The host's nftables ruleset (its own chains, firewalld's); null when not read.</summary>
    public NftablesListing? Nftables { get; init; }

    public required string SocketPath { get; init; }
    /// <summary>Where /etc/docker/plugins/l2vlan.spec points, or null when there is no such file.</summary>
    public string? SpecTarget { get; init; }
    public bool ServiceAnswers { get; init; }
    public string? ServiceError { get; init; }
    /// <summary>The running service's version; null when it answers but has no version call (before 0.2.0).</summary>
    public string? ServiceVersion { get; init; }
    /// <summary>This l2vlan's own version, the one the installed package put on disk.</summary>
    public string OwnVersion { get; init; } = BuildInfo.Version;

    public required string DockerSocket { get; init; }
    public bool DockerAnswers { get; init; }
    public string? DockerError { get; init; }
    public IReadOnlyList<DockerNetwork>? DockerNetworks { get; init; }
    /// <summary>The swarm adapter as Docker has it; null when it is not installed (or Docker did not answer).</summary>
    public InstalledPlugin? Adapter { get; init; }
    /// <summary>The digest of this l2vlan's adapter, which an installed adapter's description must carry.</summary>
    public string? AdapterDigest { get; init; }
}
