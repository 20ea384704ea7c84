namespace L2Vlan.Protocol;

/// <summary>
/// How much of a request l2vlan takes in. Docker's plugin messages are small: in what a real Docker 20.10 sent for the
/// README's example networks, swarm stacks, a restart and the teardown, the largest, a
/// CreateNetwork or a Join, is well under 1 KiB. What grows with the user's input is the port lists Docker puts
/// into CreateEndpoint and Join (about 100 bytes a published port, twice with IPv6) and --aux-address: 1 MiB still
/// holds thousands of those, while it bounds what one request makes the service hold in memory (Kestrel's own
/// default is about 30 MB). A larger body is refused before it is read, from its Content-Length.
/// </summary>
public static class RequestLimits
{
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>The longest line Docker sends is <c>POST /IpamDriver.GetDefaultAddressSpaces HTTP/1.1</c>.</summary>
    public const int MaxRequestLineBytes = 2 * 1024;

    /// <summary>Docker's Go client sends about six short headers (Host, User-Agent, Accept, Content-Length,
    /// ...).</summary>
    public const int MaxHeaderBytes = 8 * 1024;

    public const int MaxHeaderCount = 32;
}
