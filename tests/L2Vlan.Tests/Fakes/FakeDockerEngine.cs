using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace L2Vlan.Tests.Fakes;

/// <summary>Docker's Engine API on a unix socket, as far as GET /networks: the networks given, by ID and
/// name.</summary>
internal sealed class FakeDockerEngine : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeDockerEngine(WebApplication app) => _app = app;

    public static async Task<FakeDockerEngine> StartAsync(string socketPath, params (string Id, string Name)[] networks)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.ListenUnixSocket(socketPath));
        var app = builder.Build();
        var list = "["
            + string.Join(",", networks.Select(n => $$"""{"Id":"{{n.Id}}","Name":"{{n.Name}}","Driver":"l2vlan"}"""))
                + "]";
        app.Run(async context =>
        {
            var found = context.Request.Method == "GET" && context.Request.Path == "/networks";
            context.Response.StatusCode = found ? 200 : 404;
            context.Response.ContentType = "application/json";
            var answer = found ? list : """{"message":"page not found"}""";
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(answer));
        });
        await app.StartAsync();
        return new FakeDockerEngine(app);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
