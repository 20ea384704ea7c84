using L2Vlan.Driver;
using L2Vlan.Ipam;
using L2Vlan.Metrics;
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
/// systemd it logs in journald's format, reports READY=1 once the socket listens, which is after
/// the state was loaded and the links restored, and pets the watchdog while calls are served (<see cref="Watchdog"/>).
/// </summary>
public static class PluginHost
{
    /// <summary>Threads ready for calls at once without waiting for the pool to grow: Docker seldom sends more in
    /// parallel.</summary>
    private const int MinThreads = 32;

    public static WebApplication Build(ServiceSettings settings, Action<IServiceCollection>? replaceServices = null)
    {
        // Calls block their thread on netlink and iptables, and a stuck one for up to its time limit: with the
        // pool's minimum (one thread per core) the others would wait for the pool to add threads, about one a second.
        ThreadPool.GetMinThreads(out var workers, out var completion);
        ThreadPool.SetMinThreads(Math.Max(workers, MinThreads), completion);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Services.AddSystemd();
        // One filter reads the level in force at each message: a reload of the policy may change it.
        var logLevel = new LogLevelSwitch(settings.LogLevel, settings.LogLevelFromPolicy);
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Trace).AddFilter(logLevel.Logs);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            // Docker's messages are small (RequestLimits): a larger request is refused before it is read.
            k.Limits.MaxRequestBodySize = RequestLimits.MaxBodyBytes;
            k.Limits.MaxRequestLineSize = RequestLimits.MaxRequestLineBytes;
            k.Limits.MaxRequestHeadersTotalSize = RequestLimits.MaxHeaderBytes;
            k.Limits.MaxRequestHeaderCount = RequestLimits.MaxHeaderCount;
            k.AddServerHeader = false;
            k.ListenUnixSocket(settings.SocketPath, listen =>
            {
                // Docker speaks HTTP/1.1; one protocol also keeps what KestrelRefusals reads plain.
                listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1;
                listen.Use(KestrelRefusals.Filter);
            });
        });

        var services = builder.Services.AddL2Vlan(settings);
        services.AddSingleton(logLevel);
        replaceServices?.Invoke(services);

        var app = builder.Build();
        var dispatcher = app.Services.GetRequiredService<PluginDispatcher>();
        var admin = app.Services.GetRequiredService<AdminCalls>();
        var metrics = app.Services.GetRequiredService<CallMetrics>();
        app.Run(context => MetricsEndpoint.Serves(context)
            ? MetricsEndpoint.WriteAsync(context, metrics)
            : Serve(context, dispatcher, admin, app.Logger));
        return app;
    }

    /// <summary>
    /// Loads the state and restores the links, then listens: Docker's first call already sees every network.
    /// Throws <see cref="ServiceLockException"/> when another service holds the state directory or the socket.
    /// </summary>
    public static async Task RunAsync(WebApplication app, CancellationToken cancel = default)
    {
        await StartAsync(app, cancel);
        await app.WaitForShutdownAsync(cancel);
    }

    public static async Task StartAsync(WebApplication app, CancellationToken cancel = default)
    {
        var settings = app.Services.GetRequiredService<ServiceSettings>();
        // Before the state is read or the socket touched; held until the app is disposed, or the process ends.
        app.Services.GetRequiredService<ServiceLock>();
        var stateLog = app.Services.GetRequiredService<ILogger<IpamService>>();
        StateDisk.OnSyncFailure = failed => IpamService.Fatal(stateLog, failed);
        // Before the state: restoring a bridge's links may put its rule into the policy's nftables chain.
        var policy = app.Services.GetRequiredService<PolicyLoader>();
        if (settings.PolicyPath is not null) policy.Load();
        app.Services.GetRequiredService<IpamService>().Load();
        app.Services.GetRequiredService<StateRecovery>().Recover();
        policy.ReportNetworksOutside();

        Directory.CreateDirectory(Path.GetDirectoryName(settings.SocketPath)!);
        // A socket file left by a crash would make the bind fail; nothing else creates this path.
        if (File.Exists(settings.SocketPath)) File.Delete(settings.SocketPath);
        await app.StartAsync(cancel);
        File.SetUnixFileMode(settings.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite
            | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        app.Logger.LogInformation("l2vlan {Version} listening on {Socket}, state in {State}, log level {LogLevel}",
            BuildInfo.Version, settings.SocketPath, settings.StateDirectory,
            app.Services.GetRequiredService<LogLevelSwitch>().Level);
        // The start's garbage (host building, the state's JSON) filled regions the GC would keep committed while the
        // service idles: one aggressive collection, once the socket listens, gives them back (the idle RSS).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private static async Task Serve(HttpContext context, PluginDispatcher dispatcher, AdminCalls admin, ILogger logger)
    {
        var reply = await Dispatch(context, dispatcher, admin, logger);
        if (reply.Status == StatusCodes.Status405MethodNotAllowed)
        {
            context.Response.Headers.Allow = HttpMethods.Post;
            // Not Docker; and the answer to a HEAD has no body: nothing more is read from this client.
            context.Response.Headers.Connection = "close";
        }
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = reply.Body.Length;
        await context.Response.Body.WriteAsync(reply.Body, context.RequestAborted);
    }

    private static async Task<PluginDispatcher.Reply> Dispatch(HttpContext context, PluginDispatcher dispatcher,
        AdminCalls admin, ILogger logger)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            logger.LogWarning("{Method} {Path} refused: only POST is served", context.Request.Method,
                context.Request.Path.Value);
            return Refusals.For(StatusCodes.Status405MethodNotAllowed);
        }
        // Docker sends no Content-Type, so the body is read as it is rather than bound by type.
        using var body = new MemoryStream();
        try
        {
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel refused the body: over RequestLimits.MaxBodyBytes (told by Content-Length before a byte
            // is read), too slow, or badly framed.
            logger.LogWarning("{Path} refused: {Reason}", context.Request.Path.Value, e.Message);
            return Refusals.For(e.StatusCode);
        }
        var path = context.Request.Path.Value ?? "";
        if (AdminCalls.Serves(path))
        {
            var (status, answer) = await admin.HandleAsync(path, body.GetBuffer().AsMemory(0, (int)body.Length),
                context.RequestAborted);
            return new PluginDispatcher.Reply(status, answer);
        }
        return dispatcher.Handle(path, body.GetBuffer().AsSpan(0, (int)body.Length));
    }
}
