using System.Net.Sockets;
using System.Text;
using L2Vlan.Adapter;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Adapter;

/// <summary>The relay between two real unix sockets, with an echo server standing in for the l2vlan service.</summary>
public class SocketRelayTests
{
    private string _folder = null!;
    private string _listen = null!;
    private string _upstream = null!;
    private CancellationTokenSource _stop = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "l2vlan-relay-" + Guid.NewGuid().ToString("N"));
        _listen = Path.Combine(_folder, "plugins", "l2vlan-swarm.sock");
        _upstream = Path.Combine(_folder, "run", "l2vlan.sock");
        Directory.CreateDirectory(Path.GetDirectoryName(_upstream)!);
        _stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        _requestRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [TearDown]
    public void TearDown()
    {
        _stop.Cancel();
        _stop.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Set when the echo server has read a whole request, before it answers.</summary>
    private TaskCompletionSource _requestRead = null!;

    /// <summary>
    /// Reads a whole request (until the client half-closes), then, after <paramref name="answerDelay"/>,
    /// answers "echo:" + it and closes.
    /// </summary>
    private Task RunEchoServer(Socket listener, TimeSpan answerDelay = default) => Task.Run(async () =>
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket peer;
            try { peer = await listener.AcceptAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            _ = Task.Run(async () =>
            {
                using (peer)
                {
                    var request = await ReadToEnd(peer);
                    _requestRead.TrySetResult();
                    await Task.Delay(answerDelay);
                    await peer.SendAsync(Encoding.ASCII.GetBytes("echo:").Concat(request).ToArray(), SocketFlags.None);
                    peer.Shutdown(SocketShutdown.Send);
                }
            });
        }
    });

    private static async Task<byte[]> ReadToEnd(Socket socket)
    {
        using var all = new MemoryStream();
        var buffer = new byte[7919];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0) all.Write(buffer, 0, n);
        return all.ToArray();
    }

    private Socket StartUpstream(TimeSpan answerDelay = default)
    {
        var upstream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        upstream.Bind(new UnixDomainSocketEndPoint(_upstream));
        upstream.Listen(16);
        _ = RunEchoServer(upstream, answerDelay);
        return upstream;
    }

    private async Task<byte[]> Exchange(byte[] request)
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(_listen));
        for (var sent = 0; sent < request.Length;)
            sent += await client.SendAsync(request.AsMemory(sent), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);
        return await ReadToEnd(client);
    }

    [Test]
    public async Task Splices_bytes_both_ways_and_passes_on_the_half_close()
    {
        using var upstream = StartUpstream();
        using var relay = SocketRelay.Listen(_listen, _upstream, NullLogger.Instance);
        var running = relay.RunAsync(_stop.Token);

        var request = Encoding.ASCII.GetBytes("POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\nContent-Length: " +
            "0\r\n\r\n");
        var reply = await Exchange(request);

        Assert.That(Encoding.ASCII.GetString(reply), Is.EqualTo("echo:" + Encoding.ASCII.GetString(request)));
        _stop.Cancel();
        await running;
    }

    [Test]
    public async Task Carries_large_payloads_and_concurrent_connections_intact()
    {
        using var upstream = StartUpstream();
        using var relay = SocketRelay.Listen(_listen, _upstream, NullLogger.Instance);
        _ = relay.RunAsync(_stop.Token);

        var payloads = Enumerable.Range(0, 4).Select(i =>
        {
            var bytes = new byte[300_000 + i];
            new Random(i).NextBytes(bytes);
            return bytes;
        }).ToList();
        var replies = await Task.WhenAll(payloads.Select(Exchange));

        for (var i = 0; i < payloads.Count; i++)
        {
            Assert.That(replies[i], Is.EqualTo(Encoding.ASCII.GetBytes("echo:").Concat(payloads[i]).ToArray()),
                $"connection {i}");
        }
    }

    [Test]
    public async Task Replaces_a_stale_socket_file_and_closes_connections_when_the_service_is_down()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_listen)!);
        await File.WriteAllTextAsync(_listen, "left by a crash");
        using var relay = SocketRelay.Listen(_listen, _upstream, NullLogger.Instance);
        _ = relay.RunAsync(_stop.Token);

        byte[] reply;
        try
        {
            reply = await Exchange(Encoding.ASCII.GetBytes("anyone?"));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            reply = []; // closed with our request unread: the kernel resets rather than ends the connection
        }

        Assert.That(reply, Is.Empty, "no service: the relay closes the connection at once, Docker retries");
        using var upstream = StartUpstream();
        Assert.That(Encoding.ASCII.GetString(await Exchange("back"u8.ToArray())), Is.EqualTo("echo:back"),
            "the service is used again as soon as it listens");
    }

    [Test]
    public async Task Stopping_lets_an_answer_in_flight_reach_Docker_and_refuses_new_connections()
    {
        using var upstream = StartUpstream(answerDelay: TimeSpan.FromMilliseconds(700));
        using var relay = SocketRelay.Listen(_listen, _upstream, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = relay.RunAsync(stop.Token, drainLimit: TimeSpan.FromSeconds(20));

        var exchange = Exchange("NetworkDriver.DeleteNetwork"u8.ToArray());
        await _requestRead.Task.WaitAsync(TimeSpan.FromSeconds(10));
        stop.Cancel(); // SIGTERM from Docker while the service is still working on the call

        var first = await Task.WhenAny(running, exchange).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(first, Is.SameAs(exchange), "the relay returned (and its process would exit) before the answer " +
            "was through");
        Assert.That(Encoding.ASCII.GetString(await exchange), Is.EqualTo("echo:NetworkDriver.DeleteNetwork"));
        await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.ThrowsAsync<SocketException>(() => Exchange("late"u8.ToArray()), "a stopped relay accepts nothing");
    }

    [Test]
    public async Task Stopping_does_not_wait_for_an_idle_kept_alive_connection()
    {
        using var upstream = StartUpstream();
        using var relay = SocketRelay.Listen(_listen, _upstream, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = relay.RunAsync(stop.Token, drainLimit: TimeSpan.FromSeconds(60));
        using var idle = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await idle.ConnectAsync(new UnixDomainSocketEndPoint(_listen));

        stop.Cancel();

        // Far below the drain limit: only a connection that waits for an answer holds the relay.
        await running.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Test]
    public void Dispose_removes_the_socket_file()
    {
        var relay = SocketRelay.Listen(_listen, _upstream, NullLogger.Instance);
        Assert.That(File.Exists(_listen), Is.True);
        relay.Dispose();
        Assert.That(File.Exists(_listen), Is.False);
    }
}
