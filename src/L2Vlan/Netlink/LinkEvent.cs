using static Interop.Rtnetlink;

namespace L2Vlan.Netlink;

public enum LinkEventKind
{
    /// <summary>The link was made, or changed (went up or down, got a master...).</summary>
    Changed,
    Deleted,
    /// <summary>The kernel dropped events (the socket overran): any link may have changed.</summary>
    Lost,
}

/// <summary>What the kernel told about one link, by name.</summary>
public sealed record LinkEvent(LinkEventKind Kind, string Name)
{
    public static readonly LinkEvent Lost = new(LinkEventKind.Lost, "");

    /// <summary>The link events of one datagram of the link group; other messages are skipped.</summary>
    internal static List<LinkEvent> Parse(ReadOnlySpan<byte> datagram)
    {
        var events = new List<LinkEvent>();
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out var header, out var payload))
        {
            var kind = header.nlmsg_type switch
            {
                RTM_NEWLINK => LinkEventKind.Changed,
                RTM_DELLINK => LinkEventKind.Deleted,
                _ => (LinkEventKind?)null,
            };
            if (kind is null) continue;
            var link = RouteNetlinkClient.ParseLink(new NetlinkMessage(header.nlmsg_type, payload.ToArray()));
            if (link.Name.Length > 0) events.Add(new LinkEvent(kind.Value, link.Name));
        }
        return events;
    }
}
