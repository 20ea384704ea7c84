using L2Vlan.Driver;
using L2Vlan.Ipam;
using L2Vlan.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Fakes;

/// <summary>A throw-away state folder and the services built on it, with a fake kernel and firewall.</summary>
internal sealed class TestState : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "l2vlan-test-" + Guid.NewGuid().ToString("N"));
    public FakeLinkControl Links { get; }
    public FakeFirewall Firewall { get; }
    public IpamService Ipam { get; private set; } = null!;
    public NetworkDriver Driver { get; private set; } = null!;

    public TestState(FakeLinkControl? links = null, FakeFirewall? firewall = null)
    {
        Links = links ?? new FakeLinkControl();
        Firewall = firewall ?? new FakeFirewall();
        Restart();
    }

    /// <summary>A new service over the same folder and kernel, as after `systemctl restart l2vlan`.</summary>
    public void Restart()
    {
        Ipam = new IpamService(Pools, NullLogger<IpamService>.Instance);
        Ipam.Load();
        Driver = new NetworkDriver(Links, Links, new BridgeLinks(Links, Firewall, NullLogger<BridgeLinks>.Instance), Ipam,
            Networks, Bridges, NullLogger<NetworkDriver>.Instance);
        Driver.Recover();
    }

    public JsonFileCollection<AddressPool> Pools => new(Path.Combine(Directory, "pools"), L2VlanJsonContext.Default.AddressPool, NullLogger.Instance);
    public JsonFileCollection<NetworkRecord> Networks => new(Path.Combine(Directory, "networks"), L2VlanJsonContext.Default.NetworkRecord, NullLogger.Instance);
    public JsonFileCollection<BridgeRecord> Bridges => new(Path.Combine(Directory, "bridges"), L2VlanJsonContext.Default.BridgeRecord, NullLogger.Instance);

    public IEnumerable<string> Files(string folder) =>
        System.IO.Directory.Exists(Path.Combine(Directory, folder))
            ? System.IO.Directory.EnumerateFiles(Path.Combine(Directory, folder), "*.json").Select(Path.GetFileName).OfType<string>()
            : [];

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}
