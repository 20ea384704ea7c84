namespace L2Vlan.Domain;

/// <summary>
/// An IPv6 zone (<c>2001:db8::5%1</c>, <c>fe80::1%eth0</c>) names a link of one host: it means nothing on a VLAN.
/// IPAddress counts it in equality, so 2001:db8::5%1 was an address apart from 2001:db8::5, handed out beside it,
/// and the gateway's address with a zone was handed out to a container. The addresses Docker sends are refused
/// with one, naming the field.
/// </summary>
public static class ZoneSuffix
{
    public static void Refuse(string? text, string field)
    {
        if (text is not null && text.Contains('%'))
        {
            throw new UserError($"{field} '{text}' has a zone suffix (%...); l2vlan's addresses are on the VLAN, " +
                "not on one host's link: give it without (example: 2001:db8::5)");
        }
    }
}
