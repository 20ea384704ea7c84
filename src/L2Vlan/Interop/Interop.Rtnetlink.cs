using System.Runtime.InteropServices;

// Struct names mirror the C headers on purpose.
#pragma warning disable CS8981

internal static partial class Interop
{
    /// <summary>linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h, linux/veth.h</summary>
    internal static class Rtnetlink
    {
        internal const ushort RTM_NEWLINK = 16;
        internal const ushort RTM_DELLINK = 17;
        internal const ushort RTM_GETLINK = 18;
        internal const ushort RTM_SETLINK = 19;
        internal const ushort RTM_NEWADDR = 20;
        internal const ushort RTM_GETADDR = 22;

        /// <summary>The multicast group of link events (RTM_NEWLINK, RTM_DELLINK), as a bit of
        /// sockaddr_nl.nl_groups.</summary>
        internal const uint RTMGRP_LINK = 0x1;

        internal static string MessageTypeName(ushort type) => type switch
        {
            RTM_NEWLINK => nameof(RTM_NEWLINK),
            RTM_DELLINK => nameof(RTM_DELLINK),
            RTM_GETLINK => nameof(RTM_GETLINK),
            RTM_SETLINK => nameof(RTM_SETLINK),
            RTM_NEWADDR => nameof(RTM_NEWADDR),
            RTM_GETADDR => nameof(RTM_GETADDR),
            _ => $"message type {type}",
        };

        internal const byte AF_UNSPEC = 0;
        internal const byte AF_INET = 2;
        internal const byte AF_INET6 = 10;

        internal const uint IFF_UP = 0x1;
        internal const uint IFF_LOOPBACK = 0x8;

        internal const ushort IFLA_ADDRESS = 1;
        internal const ushort IFLA_IFNAME = 3;
        internal const ushort IFLA_MTU = 4;
        internal const ushort IFLA_LINK = 5;
        internal const ushort IFLA_MASTER = 10;
        internal const ushort IFLA_LINKINFO = 18;
        internal const ushort IFLA_NET_NS_FD = 28;
        internal const ushort IFLA_AF_SPEC = 26;
        internal const ushort IFLA_LINK_NETNSID = 37;

        internal const ushort IFLA_INFO_KIND = 1;
        internal const ushort IFLA_INFO_DATA = 2;

        internal const ushort IFLA_VLAN_ID = 1;
        internal const ushort VETH_INFO_PEER = 1;

        internal const ushort IFLA_INET6_ADDR_GEN_MODE = 8;
        internal const byte IN6_ADDR_GEN_MODE_NONE = 1;

        internal const ushort IFA_ADDRESS = 1;
        internal const ushort IFA_LOCAL = 2;

        [StructLayout(LayoutKind.Sequential)]
        internal struct ifinfomsg
        {
            internal byte ifi_family;
            internal byte ifi_pad;
            internal ushort ifi_type;
            internal int ifi_index;
            internal uint ifi_flags;
            internal uint ifi_change;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct ifaddrmsg
        {
            internal byte ifa_family;
            internal byte ifa_prefixlen;
            internal byte ifa_flags;
            internal byte ifa_scope;
            internal uint ifa_index;
        }
    }
}
