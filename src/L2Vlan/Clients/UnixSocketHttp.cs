using System.Net.Sockets;

namespace L2Vlan.Clients;

/// <summary>An HTTP client whose every connection is a unix socket: how l2vlan talks to Docker and to its own
/// service.</summary>
public static class UnixSocketHttp
{
    /// <summary>Every request of the client goes to <paramref name="socketPath"/>; <paramref name="host"/> is only the
    /// URI's host, which HTTP/1.1 needs and the socket ignores.</summary>
    public static HttpClient Create(string socketPath, string host, TimeSpan timeout,
        int maxConnections = int.MaxValue) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            ConnectCallback = async (_, cancel) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancel);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        {
            BaseAddress = new Uri($"http://{host}"),
            Timeout = timeout,
        };
}
