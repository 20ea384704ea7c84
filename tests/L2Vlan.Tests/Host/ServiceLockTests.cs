using L2Vlan.Host;
using L2Vlan.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Host;

/// <summary>A second `l2vlan serve` on the same state directory or socket: the real hosts, only the kernel and firewall
/// faked.</summary>
public class ServiceLockTests
{
    private string _folder = null!;
    private readonly List<WebApplication> _apps = [];

    [SetUp]
    public void SetUp() => _folder = Path.Combine(Path.GetTempPath(), "l2vlan-lock-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public async Task TearDown()
    {
        foreach (var app in _apps) await app.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private ServiceSettings Settings(string state, string socket) =>
        new(Path.Combine(_folder, socket), Path.Combine(_folder, state), LogLevel.Warning);

    private WebApplication Host(ServiceSettings settings)
    {
        var app = FakeKernelHost.Build(settings, ["eno1"]);
        _apps.Add(app);
        return app;
    }

    private static async Task<int> Activate(string socket)
    {
        using var client = FakeKernelHost.Client(socket);
        using var reply = await client.PostAsync("http://plugin/Plugin.Activate", new ByteArrayContent([]));
        return (int)reply.StatusCode;
    }

    [Test]
    public async Task A_second_service_on_the_same_state_and_socket_is_refused_and_the_first_goes_on()
    {
        var settings = Settings("state", "run/l2vlan.sock");
        await PluginHost.StartAsync(Host(settings));

        var refused = Assert.ThrowsAsync<ServiceLockException>(() => PluginHost.StartAsync(Host(settings)));

        Assert.That(refused.Message,
            Does.Contain("another l2vlan serve holds the state directory " + settings.StateDirectory));
        Assert.That(refused.Message, Does.Contain("--state-dir"));
        Assert.That(File.Exists(settings.SocketPath), "the first one's socket is still there");
        Assert.That(await Activate(settings.SocketPath), Is.EqualTo(200), "and the first one still answers on it");
    }

    [Test]
    public async Task A_second_service_with_its_own_state_but_the_same_socket_leaves_the_socket_alone()
    {
        var first = Settings("state1", "run/l2vlan.sock");
        await PluginHost.StartAsync(Host(first));

        var refused = Assert.ThrowsAsync<ServiceLockException>(() =>
            PluginHost.StartAsync(Host(Settings("state2", "run/l2vlan.sock"))));

        Assert.That(refused.Message,
            Does.Contain("another l2vlan serve holds the socket " + first.SocketPath).And.Contain("--socket"));
        Assert.That(await Activate(first.SocketPath), Is.EqualTo(200));
    }

    [Test]
    public async Task A_second_service_with_its_own_socket_but_the_same_state_is_refused_before_it_listens()
    {
        await PluginHost.StartAsync(Host(Settings("state", "run/first.sock")));
        var second = Settings("state", "run/second.sock");

        Assert.ThrowsAsync<ServiceLockException>(() => PluginHost.StartAsync(Host(second)));

        Assert.That(File.Exists(second.SocketPath), Is.False);
    }

    [Test]
    public async Task The_lock_goes_with_the_service_that_held_it()
    {
        var settings = Settings("state", "run/l2vlan.sock");
        var first = Host(settings);
        await PluginHost.StartAsync(first);
        await first.StopAsync();
        await first.DisposeAsync();
        _apps.Remove(first);

        await PluginHost.StartAsync(Host(settings));

        Assert.That(await Activate(settings.SocketPath), Is.EqualTo(200));
    }
}
