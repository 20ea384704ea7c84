using L2Vlan.Clients;
using L2Vlan.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace L2Vlan.Tests.Fakes;

/// <summary>The real service on a real unix socket with only the kernel and firewall faked, and a client that speaks to
/// it as Docker does.</summary>
internal static class FakeKernelHost
{
    /// <summary>The service over a fake kernel that has these NICs; not yet started. <paramref name="configure"/> may
    /// change more.</summary>
    public static WebApplication Build(ServiceSettings settings, IEnumerable<string> nics,
        Action<IServiceCollection>? configure = null)
    {
        var links = new FakeLinkControl();
        foreach (var nic in nics) links.AddNic(nic);
        return PluginHost.Build(settings, services =>
        {
            services.UseFakes(links, links, new FakeFirewall());
            configure?.Invoke(services);
        });
    }

    public static HttpClient Client(string socket, int maxConnections = int.MaxValue) =>
        UnixSocketHttp.Create(socket, "plugin.moby.localhost", TimeSpan.FromSeconds(100), maxConnections);
}
