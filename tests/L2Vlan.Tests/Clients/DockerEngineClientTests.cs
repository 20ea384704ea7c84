using System.Net.Sockets;
using System.Text;
using L2Vlan.Clients;

namespace L2Vlan.Tests.Clients;

/// <summary>
/// The Engine API client against a stand-in dockerd on a unix socket that refuses every versioned path, as no one
/// version is served both by Docker 20.10 (at most API 1.41) and by Docker 29.0 to 29.2 (at least 1.44; 29.3 lowered
/// its floor to 1.40, moby#52067). An unversioned path is served at the daemon's own version by every engine
/// (moby daemon/server/middleware/version.go).
/// </summary>
public class DockerEngineClientTests
{
    private string _folder = null!;
    private string _socket = null!;
    private CancellationTokenSource _stop = null!;
    private readonly List<string> _requests = [];

    /// <summary>What Docker 29.0 answers on a path of an API version below its floor.</summary>
    private const string TooOldAnswer =
        """{"message":"client version 1.41 is too old. Minimum supported API version is 1.44, """ +
        """please upgrade your client to a newer version"}""";

    /// <summary>What the engine answers when the client inspects the plugin.</summary>
    private const string InspectAnswer =
        """{"Id":"4f2a","Name":"l2vlan-swarm:latest","Enabled":true,"Config":{"Description":"l2vlan"}}""";

    [SetUp]
    public void SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "l2vlan-engine-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        _socket = Path.Combine(_folder, "docker.sock");
        _stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    }

    [TearDown]
    public void TearDown()
    {
        _stop.Cancel();
        _stop.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Every_call_uses_an_unversioned_path_which_every_engine_serves()
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_socket));
        listener.Listen();
        var daemon = ServeLikeADaemonWithNoCommonApiVersion(listener);
        using var client = new DockerEngineClient(_socket, TimeSpan.FromSeconds(10));
        var cancel = _stop.Token;

        Assert.That(await client.WaitUntilUpAsync(TimeSpan.FromSeconds(5), cancel), Is.True);
        Assert.That((await client.InspectAsync("l2vlan-swarm:latest", cancel))?.Enabled, Is.True);
        await client.CreateAsync("l2vlan-swarm:latest", new MemoryStream([1, 2, 3]), cancel);
        await client.EnableAsync("l2vlan-swarm:latest", cancel);
        await client.DisableAsync("l2vlan-swarm:latest", cancel);
        await client.RemoveAsync("l2vlan-swarm:latest", force: true, cancel);
        Assert.That(await client.ListNetworksAsync(cancel), Is.Empty);

        lock (_requests)
        {
            Assert.That(_requests, Has.Count.EqualTo(7));
            Assert.That(_requests, Has.None.Matches(@"^\S+ /v\d"),
                "a versioned path is refused by Docker 20.10 or by Docker 29.0 to 29.2");
        }
        _stop.Cancel();
        await daemon;
    }

    /// <summary>One request per connection; a versioned path gets Docker 29.0's refusal of an old client.</summary>
    private Task ServeLikeADaemonWithNoCommonApiVersion(Socket listener) => Task.Run(async () =>
    {
        while (true)
        {
            Socket peer;
            try { peer = await listener.AcceptAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            using (peer)
            {
                var requestLine = await ReadRequest(peer);
                lock (_requests) _requests.Add(requestLine);
                var target = requestLine.Split(' ')[1];
                var (status, body) =
                    target.StartsWith("/v", StringComparison.Ordinal)
                        ? (400, TooOldAnswer)
                    : target == "/_ping" ? (200, "OK")
                    : target.EndsWith("/json", StringComparison.Ordinal) ? (200, InspectAnswer)
                    : target == "/networks" ? (200, "[]")
                    : (200, "");
                var reply = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Bad Request")}\r\nContent-Length: " +
                    $"{Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
                await peer.SendAsync(Encoding.UTF8.GetBytes(reply), SocketFlags.None);
            }
        }
    });

    /// <summary>Reads the head and a body of Content-Length bytes; returns the request line.</summary>
    private async Task<string> ReadRequest(Socket peer)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        int headEnd;
        while ((headEnd = IndexOfBlankLine(received)) < 0)
        {
            var n = await peer.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            if (n == 0) throw new IOException("the client closed before a whole request head");
            received.AddRange(buffer.AsSpan(0, n));
        }
        var head = Encoding.ASCII.GetString(received.ToArray(), 0, headEnd).Split("\r\n");
        var length = head.Select(h => h.Split(':', 2))
            .Where(h => h.Length == 2 && h[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(h => int.Parse(h[1].Trim())).FirstOrDefault();
        while (received.Count < headEnd + 4 + length)
        {
            var n = await peer.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            if (n == 0) break;
            received.AddRange(buffer.AsSpan(0, n));
        }
        return head[0];
    }

    private static int IndexOfBlankLine(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') return i;
        return -1;
    }
}
