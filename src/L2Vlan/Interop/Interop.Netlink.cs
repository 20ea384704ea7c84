using System.Runtime.InteropServices;

// Struct names mirror the C headers on purpose.
#pragma warning disable CS8981

internal static partial class Interop
{
    /// <summary>linux/netlink.h</summary>
    internal static class Netlink
    {
        internal const int NETLINK_ROUTE = 0;
        internal const int SOL_NETLINK = 270;
        internal const int NETLINK_EXT_ACK = 11;

        internal const ushort NLM_F_REQUEST = 0x01;
        internal const ushort NLM_F_MULTI = 0x02;
        internal const ushort NLM_F_ACK = 0x04;
        internal const ushort NLM_F_ROOT = 0x100;
        internal const ushort NLM_F_MATCH = 0x200;
        internal const ushort NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
        internal const ushort NLM_F_EXCL = 0x200;
        internal const ushort NLM_F_CREATE = 0x400;
        // Flags on NLMSG_ERROR replies.
        internal const ushort NLM_F_CAPPED = 0x100;
        internal const ushort NLM_F_ACK_TLVS = 0x200;

        internal const ushort NLMSG_NOOP = 1;
        internal const ushort NLMSG_ERROR = 2;
        internal const ushort NLMSG_DONE = 3;
        internal const ushort NLMSG_OVERRUN = 4;

        internal const ushort NLMSGERR_ATTR_MSG = 1;

        internal const ushort NLA_F_NESTED = 0x8000;
        internal const ushort NLA_F_NET_BYTEORDER = 0x4000;
        internal const ushort NLA_TYPE_MASK = unchecked((ushort)~(NLA_F_NESTED | NLA_F_NET_BYTEORDER));

        internal const int NLMSG_ALIGNTO = 4;
        internal const int NLA_ALIGNTO = 4;

        [StructLayout(LayoutKind.Sequential)]
        internal struct nlmsghdr
        {
            internal uint nlmsg_len;
            internal ushort nlmsg_type;
            internal ushort nlmsg_flags;
            internal uint nlmsg_seq;
            internal uint nlmsg_pid;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct nlmsgerr
        {
            internal int error;
            internal nlmsghdr msg;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct nlattr
        {
            internal ushort nla_len;
            internal ushort nla_type;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct sockaddr_nl
        {
            internal ushort nl_family;
            internal ushort nl_pad;
            internal uint nl_pid;
            internal uint nl_groups;
        }
    }
}
