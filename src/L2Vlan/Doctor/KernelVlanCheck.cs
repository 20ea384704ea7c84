namespace L2Vlan.Doctor;

/// <summary>The kernel can make 802.1Q sub-interfaces: 8021q is loaded, built in, or there to be loaded.</summary>
public static class KernelVlanCheck
{
    public const string Name = "kernel-8021q";

    public static IEnumerable<Finding> Run(DoctorFacts facts)
    {
        yield return facts.Vlan switch
        {
            VlanSupport.Loaded => Finding.Good(Name, "802.1Q module 8021q is loaded"),
            VlanSupport.BuiltIn => Finding.Good(Name, "802.1Q is built into the kernel"),
            VlanSupport.Loadable => Finding.Good(Name, "802.1Q module 8021q is not loaded yet; the kernel loads it " +
                "when l2vlan makes the first sub-interface"),
            _ => Finding.Problem(Name, "the running kernel has no 802.1Q module (8021q is neither loaded, built in, " +
                "nor in its modules.dep)",
                "without it no VLAN sub-interface can be made: every docker network create -d l2vlan fails",
                "apt-get install linux-modules-extra-$(uname -r) || apt-get install --reinstall linux-image-$(uname " +
                    "-r); modprobe 8021q"),
        };
    }
}
