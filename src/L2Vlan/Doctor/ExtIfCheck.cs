namespace L2Vlan.Doctor;

/// <summary>Each NIC a network names as its ext_if exists and is up.</summary>
public static class ExtIfCheck
{
    public const string Name = "ext-if";

    public static IEnumerable<Finding> Run(DoctorFacts facts)
    {
        if (facts.State is not { } state) yield break;
        if (facts.LinksError is not null) yield break;
        var users = state.Networks.GroupBy(n => n.ExtIf).OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var nic in users)
        {
            var link = facts.Links.FirstOrDefault(l => l.Name == nic.Key);
            var networks = string.Join(", ", nic.Select(n => n.NetworkId));
            if (link is null)
            {
                yield return Finding.Problem(Name, $"ext_if {nic.Key} does not exist (used by network {networks})",
                    $"its VLAN sub-interface cannot exist either: containers on these networks reach nothing outside " +
                        $"this host. If {nic.Key} comes back (plugged in, re-created), l2vlan makes the " +
                            $"sub-interface again at once; if not, remove the networks on it",
                    $"docker network rm {string.Join(" ", nic.Select(n => n.NetworkId))}");
            }
            else if (!link.IsUp)
            {
                yield return Finding.Problem(Name, $"ext_if {nic.Key} is down (used by network {networks})",
                    "frames from the containers go nowhere: the VLAN is unreachable from these networks",
                    $"ip link set {nic.Key} up");
            }
            else
            {
                yield return Finding.Good(Name, $"ext_if {nic.Key} exists and is up");
            }
        }
    }
}
