using L2Vlan.Netlink;
using L2Vlan.Tests.Netlink;

namespace L2Vlan.Tests.Suites.Kill;

/// <summary>
/// What a suite's service process runs in: a folder of its own (the socket under <c>run/</c>, the state under
/// <c>state/</c>, the stand-in iptables under <c>bin/</c>), and a private network namespace whose NIC is one end of a
/// veth pair, <c>ext0</c> (this kernel has no dummy links), made and brought up before the service starts.
/// </summary>
internal sealed class ServiceSandbox : IDisposable
{
    public ServiceSandbox(string parent, string name)
    {
        Folder = Path.Combine(parent, $"l2vlan-{name}-{Guid.NewGuid():N}");
        Socket = Path.Combine(Folder, "run", "l2vlan.sock");
        State = Path.Combine(Folder, "state");
        Directory.CreateDirectory(Path.GetDirectoryName(Socket)!);
        Firewall = new StandInFirewall(Path.Combine(Folder, "bin"));
        Namespace = NetworkNamespace.CreatePrivate();
        Links = Namespace.OpenRouteClient();
        Links.CreateVethPair("ext0", "ext0peer", null, null);
        Links.SetUp(Links.FindLink("ext0")!.Index);
    }

    public string Folder { get; }
    public string Socket { get; }
    public string State { get; }
    public StandInFirewall Firewall { get; }
    public NetworkNamespace Namespace { get; }
    public RouteNetlinkClient Links { get; }

    /// <summary>After the service: the links and the namespace go, then the folder.</summary>
    public void Dispose()
    {
        Links.Dispose();
        Namespace.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
