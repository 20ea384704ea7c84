using L2Vlan.Driver;
using L2Vlan.Firewall;
using L2Vlan.Ipam;
using L2Vlan.Netlink;
using L2Vlan.Protocol;
using L2Vlan.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Host;

/// <summary>
/// The service: Kestrel on a unix socket, serving Docker's plugin calls through the dispatcher. Under
/// systemd it logs in journald's format and reports READY=1 once the socket listens, which is after
/// the state was loaded and the links restored.
/// </summary>
public static class PluginHost
{
    public static WebApplication Build(ServiceSettings settings, Action<IServiceCollection>? replaceServices = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddSystemd();
        builder.Logging.AddConsole().SetMinimumLevel(settings.LogLevel);
        // Kestrel's per-request lines would bury l2vlan's own; they stay for --log-level Debug.
        if (settings.LogLevel > LogLevel.Debug) builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.ListenUnixSocket(settings.SocketPath));

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton<ILinkControl>(_ => new RouteNetlinkClient());
        services.AddSingleton<IArpAnnouncer>(_ => new ArpAnnouncer());
        services.AddSingleton<IFirewall, IptablesFirewall>();
        services.AddSingleton(p => Collection(settings, "pools", StateJsonContext.Default.AddressPool, p));
        services.AddSingleton(p => Collection(settings, "networks", StateJsonContext.Default.NetworkRecord, p));
        services.AddSingleton(p => Collection(settings, "bridges", StateJsonContext.Default.BridgeRecord, p));
        services.AddSingleton<NetworkRegistry>();
        services.AddSingleton<IpamService>();
        services.AddSingleton<BridgeLinks>();
        services.AddSingleton<BridgeRegistry>();
        services.AddSingleton<EndpointWiring>();
        services.AddSingleton<DeadDockerdPolicy>();
        services.AddSingleton<StateRecovery>();
        services.AddSingleton<NetworkDriver>();
        services.AddSingleton<PluginDispatcher>();
        replaceServices?.Invoke(services);

        var app = builder.Build();
        var dispatcher = app.Services.GetRequiredService<PluginDispatcher>();
        app.Run(context => Serve(context, dispatcher));
        return app;
    }

    /// <summary>Loads the state and restores the links, then listens: Docker's first call already sees every network.</summary>
    public static async Task RunAsync(WebApplication app, CancellationToken cancel = default)
    {
        await StartAsync(app, cancel);
        await app.WaitForShutdownAsync(cancel);
    }

    public static async Task StartAsync(WebApplication app, CancellationToken cancel = default)
    {
        var settings = app.Services.GetRequiredService<ServiceSettings>();
        app.Services.GetRequiredService<IpamService>().Load();
        app.Services.GetRequiredService<StateRecovery>().Recover();

        Directory.CreateDirectory(Path.GetDirectoryName(settings.SocketPath)!);
        // A socket file left by a crash would make the bind fail; nothing else creates this path.
        if (File.Exists(settings.SocketPath)) File.Delete(settings.SocketPath);
        await app.StartAsync(cancel);
        File.SetUnixFileMode(settings.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        app.Logger.LogInformation("l2vlan {Version} listening on {Socket}, state in {State}",
            Version, settings.SocketPath, settings.StateDirectory);
    }

    public static string Version =>
        typeof(PluginHost).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";

    private static JsonFileCollection<T> Collection<T>(ServiceSettings settings, string folder, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, IServiceProvider services)
        where T : class =>
        new(Path.Combine(settings.StateDirectory, folder), type, services.GetRequiredService<ILoggerFactory>().CreateLogger($"L2Vlan.State.{folder}"));

    private static async Task Serve(HttpContext context, PluginDispatcher dispatcher)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        // Docker sends no Content-Type, so the body is read as it is rather than bound by type.
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var reply = dispatcher.Handle(context.Request.Path.Value ?? "", body.GetBuffer().AsSpan(0, (int)body.Length));
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(reply.Body, context.RequestAborted);
    }
}
