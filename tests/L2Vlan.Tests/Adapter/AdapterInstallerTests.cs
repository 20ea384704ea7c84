using L2Vlan.Adapter;
using L2Vlan.Clients;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Adapter;

/// <summary>What install, status and remove do for each state Docker can report.</summary>
public class AdapterInstallerTests
{
    private sealed class FakeDocker : IDockerPlugins
    {
        public InstalledPlugin? Plugin;
        public byte[]? CreatedTar;
        public readonly List<string> Calls = [];

        public Task<InstalledPlugin?> InspectAsync(string reference, CancellationToken cancel) =>
            Task.FromResult(Plugin);

        public Task CreateAsync(string reference, Stream tar, CancellationToken cancel)
        {
            Calls.Add($"create {reference}");
            using var copy = new MemoryStream();
            tar.CopyTo(copy);
            CreatedTar = copy.ToArray();
            Plugin = new InstalledPlugin("id2", reference, false, ConfigDescription);
            return Task.CompletedTask;
        }

        public string? ConfigDescription;

        public Task EnableAsync(string reference, CancellationToken cancel)
        {
            Calls.Add($"enable {reference}");
            Plugin = Plugin! with { Enabled = true };
            return Task.CompletedTask;
        }

        public Task DisableAsync(string reference, CancellationToken cancel)
        {
            Calls.Add($"disable {reference}");
            return Task.CompletedTask;
        }

        public Task RemoveAsync(string reference, bool force, CancellationToken cancel)
        {
            Calls.Add($"remove {reference}{(force ? " force" : "")}");
            Plugin = null;
            return Task.CompletedTask;
        }
    }

    private string _folder = null!;
    private PluginBundle _bundle = null!;
    private FakeDocker _docker = null!;
    private AdapterInstaller _installer = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "l2vlan-installer-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        var binary = Path.Combine(_folder, "l2vlan");
        File.WriteAllText(binary, "pretend executable");
        _bundle = PluginBundle.Build(new AdapterSettings(binary, "/run/l2vlan/l2vlan.sock"),
            [new RootfsFile("/l2vlan", binary)]);
        _docker = new FakeDocker { ConfigDescription = _bundle.Config.Description };
        _installer = new AdapterInstaller(_docker, NullLogger.Instance);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task Installs_and_enables_when_missing()
    {
        Assert.That(await _installer.StatusAsync(_bundle, default), Is.EqualTo(AdapterState.Missing));
        Assert.That(await _installer.InstallAsync(_bundle, default), Is.EqualTo(InstallOutcome.Installed));
        Assert.That(_docker.Calls, Is.EqualTo(new[] { "create l2vlan-swarm:latest", "enable l2vlan-swarm:latest" }));
        Assert.That(_docker.CreatedTar, Is.Not.Empty);
        Assert.That(await _installer.StatusAsync(_bundle, default), Is.EqualTo(AdapterState.UpToDate));
    }

    [Test]
    public async Task Does_nothing_when_the_same_adapter_is_enabled()
    {
        _docker.Plugin = new InstalledPlugin("id1", "l2vlan-swarm:latest", true, _bundle.Config.Description);
        Assert.That(await _installer.InstallAsync(_bundle, default), Is.EqualTo(InstallOutcome.UpToDate));
        Assert.That(_docker.Calls, Is.Empty);
    }

    [Test]
    public async Task Only_enables_the_same_adapter_when_disabled()
    {
        _docker.Plugin = new InstalledPlugin("id1", "l2vlan-swarm:latest", false, _bundle.Config.Description);
        Assert.That(await _installer.StatusAsync(_bundle, default), Is.EqualTo(AdapterState.Disabled));
        Assert.That(await _installer.InstallAsync(_bundle, default), Is.EqualTo(InstallOutcome.Enabled));
        Assert.That(_docker.Calls, Is.EqualTo(new[] { "enable l2vlan-swarm:latest" }));
    }

    [TestCase("l2vlan swarm adapter (l2vlan 0.0.9, content " +
        "sha256:0000000000000000000000000000000000000000000000000000000000000000)")]
    [TestCase("made by hand")]
    [TestCase(null)]
    public async Task Replaces_an_adapter_with_other_content(string? description)
    {
        _docker.Plugin = new InstalledPlugin("id1", "l2vlan-swarm:latest", true, description);
        Assert.That(await _installer.StatusAsync(_bundle, default), Is.EqualTo(AdapterState.Outdated));
        Assert.That(await _installer.InstallAsync(_bundle, default), Is.EqualTo(InstallOutcome.Replaced));
        Assert.That(_docker.Calls, Is.EqualTo(new[]
        {
            "remove l2vlan-swarm:latest force",
            "create l2vlan-swarm:latest",
            "enable l2vlan-swarm:latest",
        }));
    }

    [Test]
    public async Task Remove_disables_first_unless_forced_and_is_fine_when_missing()
    {
        Assert.That(await _installer.RemoveAsync(force: false, default), Is.False);
        _docker.Plugin = new InstalledPlugin("id1", "l2vlan-swarm:latest", true, _bundle.Config.Description);
        Assert.That(await _installer.RemoveAsync(force: false, default), Is.True);
        Assert.That(_docker.Calls, Is.EqualTo(new[] { "disable l2vlan-swarm:latest", "remove l2vlan-swarm:latest" }));
    }
}
