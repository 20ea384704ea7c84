namespace L2Vlan.Netlink;

/// <summary>Netlink's framing, the same for the messages of a datagram and the attributes of a message:
/// a header that holds the frame's whole length, then padding to 4 bytes.</summary>
internal static class NetlinkFraming
{
    /// <summary>Cuts the next frame of <paramref name="length"/> bytes off <paramref name="remaining"/> and returns
    /// what follows its header.</summary>
    public static ReadOnlySpan<byte> Take(scoped ref ReadOnlySpan<byte> remaining, int headerSize, int length,
        string what)
    {
        if (length < headerSize || length > remaining.Length)
        {
            throw new InvalidDataException($"malformed netlink {what}: length {length} with {remaining.Length} bytes " +
                $"left.");
        }
        var body = remaining[headerSize..length];
        // The last frame may lack its padding.
        remaining = remaining[Math.Min(NetlinkMessageWriter.Align(length), remaining.Length)..];
        return body;
    }
}
