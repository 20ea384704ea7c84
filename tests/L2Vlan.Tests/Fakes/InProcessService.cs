using L2Vlan.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Fakes;

/// <summary>
/// The service of <see cref="FakeKernelHost"/> in a folder of its own (the socket under <c>run/</c>, the state under
/// <c>state/</c>), started and stopped on the same state as often as a test wants; disposing it stops it and removes
/// the folder.
/// </summary>
internal sealed class InProcessService : IAsyncDisposable
{
    private readonly IReadOnlyList<string> _nics;
    private readonly LogLevel _logLevel;
    private WebApplication? _app;

    /// <param name="parent">Where the folder is made: a tmpfs where a test's fsyncs prove nothing.</param>
    /// <param name="name">A word for the folder's name, so that a leftover one says which test made it.</param>
    /// <param name="nics">The NICs the fake kernel has.</param>
    /// <param name="logLevel">The service's log level.</param>
    public InProcessService(string parent, string name, IReadOnlyList<string> nics, LogLevel logLevel)
    {
        _nics = nics;
        _logLevel = logLevel;
        Folder = Path.Combine(parent, $"l2vlan-{name}-{Guid.NewGuid():N}");
        Socket = Path.Combine(Folder, "run", "l2vlan.sock");
        Directory.CreateDirectory(Path.GetDirectoryName(Socket)!);
    }

    public string Folder { get; }
    public string Socket { get; }
    public string StateDirectory => Path.Combine(Folder, "state");

    /// <summary>The running service's objects; only while it runs.</summary>
    public IServiceProvider Services => (_app ?? throw new InvalidOperationException("not running")).Services;

    /// <summary>
    /// Starts the service on the folder's state; <paramref name="configure"/> may swap in more services, and
    /// <paramref name="settings"/> change its settings (a policy file, for one).
    /// </summary>
    public async Task StartAsync(Action<IServiceCollection>? configure = null,
        Func<ServiceSettings, ServiceSettings>? settings = null)
    {
        var made = new ServiceSettings(Socket, StateDirectory, _logLevel);
        _app = FakeKernelHost.Build(settings?.Invoke(made) ?? made, _nics, configure);
        await PluginHost.StartAsync(_app);
    }

    public async Task StopAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(Folder, recursive: true);
    }
}
