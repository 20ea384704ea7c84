using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace L2Vlan.Clients;

/// <summary>
/// Docker's Engine API over its unix socket, for the plugin calls only. The API rather than the docker CLI:
/// no dependency on a client binary (some hosts carry an unrelated one first in PATH), and a plugin can be
/// created from a tar stream without writing a folder to disk. Unversioned paths: the daemon's own version.
/// </summary>
public sealed class DockerEngineClient : IDockerPlugins, IDockerNetworks, IDisposable
{
    public const string DefaultSocket = "/var/run/docker.sock";

    private readonly HttpClient _http;

    public DockerEngineClient(string socketPath, TimeSpan? timeout = null)
    {
        SocketPath = socketPath;
        _http = UnixSocketHttp.Create(socketPath, "docker.localhost", timeout ?? TimeSpan.FromMinutes(2));
    }

    public string SocketPath { get; }

    /// <summary>Polls GET /_ping until dockerd answers; false when <paramref name="wait"/> ran out.</summary>
    public async Task<bool> WaitUntilUpAsync(TimeSpan wait, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                using var reply = await _http.GetAsync("/_ping", cancel);
                if (reply.IsSuccessStatusCode) return true;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            catch (HttpRequestException)
            {
                return false;
            }
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancel);
        }
    }

    public async Task<InstalledPlugin?> InspectAsync(string reference, CancellationToken cancel)
    {
        using var reply = await _http.GetAsync($"/plugins/{reference}/json", cancel);
        if (reply.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccess(reply, $"inspect plugin {reference}", cancel);
        using var json = JsonDocument.Parse(await reply.Content.ReadAsStreamAsync(cancel));
        var root = json.RootElement;
        string? description = null;
        if (root.TryGetProperty("Config", out var config) && config.TryGetProperty("Description", out var d))
            description = d.GetString();
        return new InstalledPlugin(
            root.GetProperty("Id").GetString() ?? "",
            root.GetProperty("Name").GetString() ?? reference,
            root.TryGetProperty("Enabled", out var enabled) && enabled.ValueKind == JsonValueKind.True,
            description);
    }

    public async Task CreateAsync(string reference, Stream tar, CancellationToken cancel)
    {
        using var content = new StreamContent(tar);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var reply = await _http.PostAsync($"/plugins/create?name={Uri.EscapeDataString(reference)}", content,
            cancel);
        await EnsureSuccess(reply, $"create plugin {reference}", cancel);
    }

    public async Task EnableAsync(string reference, CancellationToken cancel)
    {
        using var reply = await _http.PostAsync($"/plugins/{reference}/enable?timeout=30", null, cancel);
        await EnsureSuccess(reply, $"enable plugin {reference}", cancel);
    }

    public async Task DisableAsync(string reference, CancellationToken cancel)
    {
        using var reply = await _http.PostAsync($"/plugins/{reference}/disable", null, cancel);
        await EnsureSuccess(reply, $"disable plugin {reference}", cancel);
    }

    public async Task RemoveAsync(string reference, bool force, CancellationToken cancel)
    {
        using var reply = await _http.DeleteAsync($"/plugins/{reference}{(force ? "?force=1" : "")}", cancel);
        if (reply.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccess(reply, $"remove plugin {reference}", cancel);
    }

    public async Task<IReadOnlyList<DockerNetwork>> ListNetworksAsync(CancellationToken cancel)
    {
        using var reply = await _http.GetAsync("/networks", cancel);
        await EnsureSuccess(reply, "list networks", cancel);
        using var json = JsonDocument.Parse(await reply.Content.ReadAsStreamAsync(cancel));
        if (json.RootElement.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException("Docker's list of networks is not a JSON array");
        return json.RootElement.EnumerateArray()
            .Select(n => new DockerNetwork(Text(n, "Id"), Text(n, "Name"), Text(n, "Driver"))).ToList();
    }

    private static string Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.String
            ? value.GetString() ?? "" : "";

    public void Dispose() => _http.Dispose();

    /// <summary>Docker's errors are {"message": "..."}; the message is what the user needs to see.</summary>
    private static async Task EnsureSuccess(HttpResponseMessage reply, string what, CancellationToken cancel)
    {
        if (reply.IsSuccessStatusCode) return;
        var body = await reply.Content.ReadAsStringAsync(cancel);
        var message = body.Trim();
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("message", out var m))
            {
                message = m.GetString() ?? message;
            }
        }
        catch (JsonException)
        {
        }
        throw new DockerApiException((int)reply.StatusCode, $"Docker refused to {what}: {message} (HTTP " +
            $"{(int)reply.StatusCode})");
    }
}
