using System.Net.Sockets;
using System.Text.Json;
using L2Vlan.Firewall;
using L2Vlan.Host;
using L2Vlan.Netlink;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Protocol;

/// <summary>The real service on a real unix socket, with only the kernel and firewall faked.</summary>
public class PluginHostTests
{
    private string _folder = null!;
    private Microsoft.AspNetCore.Builder.WebApplication _app = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "l2vlan-host-" + Guid.NewGuid().ToString("N"));
        var socket = Path.Combine(_folder, "run", "l2vlan.sock");
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
        await File.WriteAllTextAsync(socket, "left by a crash");
        var links = new FakeLinkControl();
        links.AddNic("eno1");
        _app = PluginHost.Build(new ServiceSettings(socket, Path.Combine(_folder, "state"), LogLevel.Warning), services =>
        {
            services.AddSingleton<ILinkControl>(links);
            services.AddSingleton<IArpAnnouncer>(links);
            services.AddSingleton<IFirewall>(new FakeFirewall());
        });
        await PluginHost.StartAsync(_app);
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancel);
                return new NetworkStream(s, ownsSocket: true);
            },
        })
        {
            BaseAddress = new Uri("http://plugin.moby.localhost"),
        };
    }

    [TearDown]
    public async Task TearDown()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Serves_posts_without_content_type_over_the_unix_socket()
    {
        using var content = new ByteArrayContent([]);
        Assert.That(content.Headers.ContentType, Is.Null);
        using var reply = await _client.PostAsync("/Plugin.Activate", content);
        Assert.That((int)reply.StatusCode, Is.EqualTo(200));
        var json = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        Assert.That(json.GetProperty("Implements")[1].GetString(), Is.EqualTo("IpamDriver"));
    }

    [Test]
    public async Task Errors_reach_docker_as_Err_with_status_500()
    {
        using var content = new StringContent("""{"NetworkID":"n1","Options":{"com.docker.network.generic":{"vlan_id":"9999","ext_if":"eno1"}},"IPv4Data":[{"Pool":"10.0.0.0/24"}]}""");
        using var reply = await _client.PostAsync("/NetworkDriver.CreateNetwork", content);
        Assert.That((int)reply.StatusCode, Is.EqualTo(500));
        var json = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        Assert.That(json.GetProperty("Err").GetString(), Does.Contain("vlan_id=9999"));
    }
}
