using L2Vlan.Driver;
using L2Vlan.Firewall;
using L2Vlan.Host;
using L2Vlan.Ipam;
using L2Vlan.Policy;
using L2Vlan.State;
using L2Vlan.Netlink;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Fakes;

/// <summary>A throw-away state folder and the services built on it, with a fake kernel and firewall.</summary>
internal sealed class TestState : IDisposable
{
    public string Directory { get; private init; } = Path.Combine(Path.GetTempPath(), "l2vlan-test-" + Guid.NewGuid()
        .ToString("N"));
    private readonly FakeLinkControl _packets;

    /// <summary>The kernel the services act on: a fake, or a private namespace's client.</summary>
    public ILinkControl Kernel { get; }

    public FakeLinkControl Links => Kernel as FakeLinkControl
        ?? throw new InvalidOperationException("this state is on a real kernel");
    public FakeFirewall Firewall { get; }
    /// <summary>The administrator's policy the services read; a test sets it, as a reload would.</summary>
    public CurrentPolicy Policy { get; } = new("/etc/l2vlan/l2vlan.conf");
    /// <summary>The stand-in nft tool behind the policy's nftables chain.</summary>
    public FakeNft Nft { get; } = new();
    public StateRecovery Recovery { get; private set; } = null!;
    public IpamService IpamService { get; private set; } = null!;
    public NetworkDriver Driver { get; private set; } = null!;
    /// <summary>The driver's duplicate address check, with the probes started at endpoints' creation.</summary>
    public DuplicateAddressCheck Duplicates { get; private set; } = null!;
    /// <summary>Deletes deleted endpoints' veths in the background; <see cref="WaitForDeletes"/> waits for
    /// it.</summary>
    public VethReaper Reaper { get; private set; } = null!;
    private readonly List<VethReaper> _reapers = [];

    /// <summary>Waits until the background deletes of veths are done (at most 10 s).</summary>
    public void WaitForDeletes()
    {
        if (!SpinWait.SpinUntil(() => Reaper.Idle, TimeSpan.FromSeconds(10)))
            throw new TimeoutException("the background veth deletes did not finish within 10 s");
    }

    /// <summary>The IPAM as the byte-level dispatcher tests read it, addresses as text.</summary>
    public IpamText Ipam => new(IpamService);

    public TestState(FakeLinkControl? links = null, FakeFirewall? firewall = null)
        : this(links ?? new FakeLinkControl(), announcer: null)
    {
        if (firewall is not null) Firewall = firewall;
        Restart();
    }

    private TestState(ILinkControl kernel, FakeLinkControl? announcer)
    {
        Kernel = kernel;
        _packets = announcer ?? (FakeLinkControl)kernel;
        Firewall = new FakeFirewall();
    }

    /// <summary>A state over a real kernel (a private namespace's client); announcements and duplicate address probes
    /// go to a fake.</summary>
    public static TestState OnKernel(ILinkControl kernel)
    {
        var state = new TestState(kernel, new FakeLinkControl());
        state.Restart();
        return state;
    }

    /// <summary>A service started on a state folder made elsewhere (deleted on dispose), over a fake kernel that has
    /// these NICs.</summary>
    public static TestState OnFolder(string directory, params string[] nics)
    {
        var links = new FakeLinkControl();
        foreach (var nic in nics) links.AddNic(nic);
        var state = new TestState(links, announcer: null) { Directory = directory };
        state.Restart();
        return state;
    }

    /// <summary>A state over a fake kernel that has these NICs.</summary>
    public static TestState WithNics(params string[] nics)
    {
        var links = new FakeLinkControl();
        foreach (var nic in nics) links.AddNic(nic);
        return new TestState(links);
    }

    /// <summary>A new service over the same folder and kernel, as after `systemctl restart l2vlan`.</summary>
    public void Restart()
    {
        var services = Compose();
        IpamService = services.GetRequiredService<IpamService>();
        IpamService.Load();
        Driver = services.GetRequiredService<NetworkDriver>();
        Reaper = services.GetRequiredService<VethReaper>();
        _reapers.Add(Reaper);
        Duplicates = services.GetRequiredService<DuplicateAddressCheck>();
        Recovery = services.GetRequiredService<StateRecovery>();
        Recovery.Recover();
    }

    /// <summary>
    /// The service's objects as <c>l2vlan serve</c> composes them, over this folder, with the fake kernel, packets and
    /// firewall; <paramref name="replace"/> may swap more. Nothing is loaded yet.
    /// </summary>
    public IServiceProvider Compose(Action<IServiceCollection>? replace = null)
    {
        var settings = new ServiceSettings(Path.Combine(Directory, "l2vlan.sock"), Directory, LogLevel.None);
        var services = new ServiceCollection().AddL2Vlan(settings).UseFakes(Kernel, _packets, Firewall);
        services.AddSingleton(RecoveryLog);
        services.AddSingleton(Policy);
        services.AddSingleton<INftablesRules>(new NftablesRules(NullLogger.Instance, Nft.Run));
        replace?.Invoke(services);
        return services.BuildServiceProvider();
    }

    /// <summary>Where the recovery logs; tests that read its warnings set it before <see cref="Restart"/>.</summary>
    public ILogger<StateRecovery> RecoveryLog { get; set; } = NullLogger<StateRecovery>.Instance;

    public JsonFileCollection<AddressPool> Pools => new StateFolder(Directory).PoolFiles(NullLogger.Instance);
    public JsonFileCollection<NetworkRecord> Networks => new StateFolder(Directory).NetworkFiles(NullLogger.Instance);
    public JsonFileCollection<BridgeRecord> Bridges => new StateFolder(Directory).BridgeFiles(NullLogger.Instance);

    public IEnumerable<string> Files(string folder) =>
        System.IO.Directory.Exists(Path.Combine(Directory, folder))
            ? System.IO.Directory.EnumerateFiles(Path.Combine(Directory, folder), "*.json").Select(Path.GetFileName)
                .OfType<string>()
            : [];

    public void Dispose()
    {
        // A background deleter may still be saving a record into the folder: this service's, or one from before a
        // restart (a test's "crash" does not stop its thread).
        SpinWait.SpinUntil(() => _reapers.All(r => r.Idle), TimeSpan.FromSeconds(10));
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}
