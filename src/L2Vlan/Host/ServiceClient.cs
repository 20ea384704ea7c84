using System.Net.Sockets;
using System.Text.Json;
using L2Vlan.Clients;

namespace L2Vlan.Host;

/// <summary>The CLI's side of the service's socket: the admin calls (<see cref="AdminCalls"/>) and Docker's handshake,
/// as doctor checks it.</summary>
public sealed class ServiceClient : IDisposable
{
    private readonly HttpClient _http;

    public ServiceClient(string socketPath, TimeSpan timeout)
    {
        _http = UnixSocketHttp.Create(socketPath, "l2vlan.localhost", timeout);
    }

    /// <summary>The service's answer to a forget; throws <see cref="HttpRequestException"/> when nothing answers on the
    /// socket.</summary>
    public async Task<ForgetResponse> ForgetAsync(ForgetRequest request, CancellationToken cancel)
    {
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request,
            AdminJsonContext.Default.ForgetRequest));
        using var reply = await _http.PostAsync(AdminCalls.ForgetPath, content, cancel);
        var body = await reply.Content.ReadAsByteArrayAsync(cancel);
        try
        {
            return JsonSerializer.Deserialize(body, AdminJsonContext.Default.ForgetResponse)
                ?? new ForgetResponse { Err = $"the service answered HTTP {(int)reply.StatusCode} with no body" };
        }
        catch (JsonException)
        {
            // An older service that has no forget answers 404 in Docker's format, which still has Err.
            return new ForgetResponse
            {
                Err = $"the service answered HTTP {(int)reply.StatusCode} with something else than a forget answer " +
                    "(is it an older l2vlan? systemctl restart l2vlan)",
            };
        }
    }

    /// <summary>
    /// The service's answer to a reload of its policy file; throws <see cref="HttpRequestException"/> when nothing
    /// answers.
    /// </summary>
    public async Task<ReloadResponse> ReloadAsync(CancellationToken cancel)
    {
        using var reply = await _http.PostAsync(AdminCalls.ReloadPath, new ByteArrayContent([]), cancel);
        var body = await reply.Content.ReadAsByteArrayAsync(cancel);
        try
        {
            var answer = JsonSerializer.Deserialize(body, AdminJsonContext.Default.ReloadResponse);
            return answer is { Policy: not null } or { Err: not null }
                ? answer
                : new ReloadResponse
                {
                    Err = $"the service answered HTTP {(int)reply.StatusCode} without a policy ({Older})",
                };
        }
        catch (JsonException)
        {
            return new ReloadResponse
            {
                Err = $"the service answered HTTP {(int)reply.StatusCode} with something else than a reload answer " +
                    $"({Older})",
            };
        }
    }

    private const string Older = "is it an older l2vlan? systemctl restart l2vlan";

    /// <summary>The running service's version, or null when it has no version call (a release before 0.2.0).</summary>
    public async Task<string?> VersionAsync(CancellationToken cancel)
    {
        using var reply = await _http.PostAsync(AdminCalls.VersionPath, new ByteArrayContent([]), cancel);
        if (!reply.IsSuccessStatusCode) return null;
        try
        {
            return JsonSerializer.Deserialize(await reply.Content.ReadAsByteArrayAsync(cancel),
                AdminJsonContext.Default.VersionResponse)?.Version;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The protocol calls' counters as Prometheus text (GET /metrics); null when the service is an older one that
    /// has none.
    /// </summary>
    public async Task<string?> MetricsAsync(CancellationToken cancel)
    {
        using var reply = await _http.GetAsync(MetricsEndpoint.Path, cancel);
        return reply.IsSuccessStatusCode ? await reply.Content.ReadAsStringAsync(cancel) : null;
    }

    /// <summary>Whether the service answers Docker's handshake, POST /Plugin.Activate, naming both its parts.</summary>
    public async Task<bool> ActivatesAsync(CancellationToken cancel)
    {
        using var reply = await _http.PostAsync("/Plugin.Activate", new ByteArrayContent([]), cancel);
        if (!reply.IsSuccessStatusCode) return false;
        var text = await reply.Content.ReadAsStringAsync(cancel);
        return text.Contains("NetworkDriver", StringComparison.Ordinal)
            && text.Contains("IpamDriver", StringComparison.Ordinal);
    }

    /// <summary>Why a unix socket did not answer, in a person's words (.NET says "Cannot assign requested address" for
    /// a missing socket file).</summary>
    public static string Unreachable(Exception e, string socketPath) =>
        !File.Exists(socketPath) ? $"there is no socket {socketPath}"
        : e is TaskCanceledException ? "no answer in time"
        : e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
            ? "nothing listens on it"
        : (e.InnerException ?? e).Message;

    public void Dispose() => _http.Dispose();
}
