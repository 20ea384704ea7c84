namespace L2Vlan.Doctor;

/// <summary><c>l2vlan doctor</c>: every check over the facts, in the order a person would look.</summary>
public static class Doctor
{
    public static IReadOnlyList<Finding> Examine(DoctorFacts facts) =>
    [
        .. ServiceCheck.Run(facts),
        .. StateFolderCheck.Run(facts),
        .. KernelVlanCheck.Run(facts),
        .. ExtIfCheck.Run(facts),
        .. LinksCheck.Run(facts),
        .. FirewallCheck.Run(facts),
        .. NftablesCheck.Run(facts),
        .. AddressesCheck.Run(facts),
        .. DockerCheck.Run(facts),
        .. DockerNetworksCheck.Run(facts),
    ];
}
