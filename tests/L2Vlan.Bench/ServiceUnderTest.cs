using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace L2Vlan.Bench;

/// <summary>The built service (`l2vlan serve`) over a throw-away socket and state folder, and a client of its
/// socket.</summary>
public sealed class ServiceUnderTest : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;

    public string Folder { get; }

    private ServiceUnderTest(Process process, HttpClient http, string folder) =>
        (_process, _http, Folder) = (process, http, folder);

    /// <summary>Starts <paramref name="binary"/> with its state in a new folder under <paramref name="parent"/>, and
    /// waits until it answers.</summary>
    public static async Task<ServiceUnderTest> Start(string binary, string parent)
    {
        var folder = Path.Combine(parent, "l2vlan-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var socket = Path.Combine(folder, "l2vlan.sock");
        var start = new ProcessStartInfo(binary,
            ["serve", "--socket", socket, "--state-dir", Path.Combine(folder, "state"), "--log-level", "Warning"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {binary}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
            { if (e.Data is not null) Console.Error.WriteLine("l2vlan: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 64,
            ConnectCallback = async (_, cancel) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancel);
                return new NetworkStream(s, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri("http://plugin.localhost") };
        var service = new ServiceUnderTest(process, http, folder);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{binary} exited with {process.ExitCode} before it answered");
            if (File.Exists(socket))
            {
                try
                {
                    await service.Call("/Plugin.Activate", "{}");
                    return service;
                }
                catch (Exception e) when (e is HttpRequestException or IOException) { }
            }
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
                throw new TimeoutException($"{binary} did not answer within 30 s");
            await Task.Delay(10);
        }
    }

    /// <summary>POSTs <paramref name="body"/>; the reply's JSON, or an exception for an error status.</summary>
    public async Task<JsonElement> Call(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var reply = await _http.PostAsync(path, content);
        var text = await reply.Content.ReadAsStringAsync();
        if (!reply.IsSuccessStatusCode)
            throw new InvalidOperationException($"{path} answered {(int)reply.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
