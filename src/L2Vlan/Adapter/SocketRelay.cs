using System.Buffers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Adapter;

/// <summary>
/// The swarm adapter's whole job: accept on the plugin socket Docker calls, and splice each connection,
/// both ways, to a new connection to the l2vlan service. A side that finishes sending is half-closed on
/// the other side, so an HTTP exchange ends as it would directly; a side that fails ends both.
/// It knows nothing of HTTP: the service stays the only place that understands Docker.
/// </summary>
public sealed class SocketRelay : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private readonly Socket _listener;
    private readonly ILogger _logger;

    private SocketRelay(Socket listener, string listenPath, string upstreamPath, ILogger logger)
    {
        _listener = listener;
        ListenPath = listenPath;
        UpstreamPath = upstreamPath;
        _logger = logger;
    }

    public string ListenPath { get; }
    public string UpstreamPath { get; }

    /// <summary>Binds <paramref name="listenPath"/> (replacing a socket file left behind) and listens.</summary>
    public static SocketRelay Listen(string listenPath, string upstreamPath, ILogger logger)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(listenPath)!);
        if (File.Exists(listenPath)) File.Delete(listenPath);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(listenPath));
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        logger.LogInformation("relaying {Listen} to {Upstream}", listenPath, upstreamPath);
        return new SocketRelay(listener, listenPath, upstreamPath, logger);
    }

    /// <summary>Accepts until cancelled; connections in flight are left to finish on their own.</summary>
    public async Task RunAsync(CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(cancel);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            _ = ServeAsync(client);
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        try
        {
            File.Delete(ListenPath);
        }
        catch (IOException)
        {
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        using (var upstream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                await upstream.ConnectAsync(new UnixDomainSocketEndPoint(UpstreamPath));
            }
            catch (SocketException e)
            {
                // Docker retries a plugin it cannot reach; closing tells it at once.
                _logger.LogWarning("cannot reach the l2vlan service on {Upstream}: {Message}", UpstreamPath, e.Message);
                return;
            }
            await Task.WhenAll(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                for (var sent = 0; sent < n;)
                    sent += await to.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // One side is gone: end both, which also ends the pump going the other way.
            from.Close();
            to.Close();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
