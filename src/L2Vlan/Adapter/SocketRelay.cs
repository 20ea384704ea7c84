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
/// <remarks>
/// Docker stops the plugin with SIGTERM while it shuts down, and may at that moment still wait for an
/// answer it relays: a swarm network's DeleteNetwork, say. So a relay told to stop first stops accepting,
/// then lets the exchanges in flight finish (bounded), and only then returns; cut off, Docker would get
/// EOF for a call the service has carried out, and retry it against a plugin that is gone.
/// </remarks>
public sealed class SocketRelay : IDisposable
{
    private const int BufferSize = 64 * 1024;
    /// <summary>Docker sends SIGKILL 10 s after SIGTERM; an answer the service has not given by then is lost
    /// anyway.</summary>
    public static readonly TimeSpan DefaultDrainLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan DrainPoll = TimeSpan.FromMilliseconds(20);
    private readonly Socket _listener;
    private readonly ILogger _logger;
    private readonly SpliceTracker _splices = new();

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

    /// <summary>
    /// Accepts until cancelled; then stops accepting and returns once no connection waits for the
    /// service's answer, or after <paramref name="drainLimit"/> (default <see cref="DefaultDrainLimit"/>).
    /// </summary>
    public async Task RunAsync(CancellationToken cancel, TimeSpan? drainLimit = null)
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
        _listener.Close();
        await DrainAsync(drainLimit ?? DefaultDrainLimit);
    }

    private async Task DrainAsync(TimeSpan limit)
    {
        var deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        while (!_splices.IsQuiet(Settle))
        {
            if (Environment.TickCount64 >= deadline)
            {
                _logger.LogWarning("stopping with an answer of the l2vlan service still outstanding after {Seconds} s",
                    limit.TotalSeconds);
                return;
            }
            await Task.Delay(DrainPoll);
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
            var splice = _splices.Open();
            try
            {
                await Task.WhenAll(PumpAsync(client, upstream, splice, toService: true),
                    PumpAsync(upstream, client, splice, toService: false));
            }
            finally
            {
                _splices.Close(splice);
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to, SpliceTracker.Splice splice, bool toService)
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
                _splices.Forwarded(splice, toService);
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
