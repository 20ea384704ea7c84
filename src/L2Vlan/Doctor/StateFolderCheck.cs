namespace L2Vlan.Doctor;

/// <summary>The state folder can be read, and no state file is in quarantine.</summary>
public static class StateFolderCheck
{
    public const string Name = "state";

    public static IEnumerable<Finding> Run(DoctorFacts facts)
    {
        if (facts.State is not { } state)
        {
            yield return Finding.Problem(Name, $"the state folder {facts.StateDirectory} cannot be read " +
                $"({facts.StateError ?? "unknown error"})",
                "doctor cannot compare what l2vlan recorded with the host; if the service cannot read it either, it " +
                    "serves no network",
                $"run doctor as root (sudo l2vlan doctor), or give the right folder: l2vlan doctor --state-dir DIR");
            yield break;
        }
        yield return Finding.Good(Name, $"state folder {facts.StateDirectory}: {state.Networks.Count} networks, " +
            $"{state.Bridges.Count} bridges, {state.Pools.Count} pools");
        foreach (var file in state.QuarantinedFiles)
        {
            yield return Finding.Problem(Name, $"state file {file} could not be read and is in quarantine",
                "the network, bridge or pool it described is not served; a pool's addresses were re-created from the " +
                    "networks' records",
                $"read it, then once nothing needs it: rm {file}");
        }
    }
}
