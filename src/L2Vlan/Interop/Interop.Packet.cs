using System.Runtime.InteropServices;

// Struct names mirror the C headers on purpose.
#pragma warning disable CS8981

internal static partial class Interop
{
    /// <summary>linux/if_packet.h, linux/if_ether.h, linux/if_arp.h</summary>
    internal static class Packet
    {
        /// <summary>Every protocol: the only kind a bridge port's taps see, the bridge takes the frame before protocol
        /// handlers.</summary>
        internal const ushort ETH_P_ALL = 0x0003;
        internal const ushort ETH_P_ARP = 0x0806;
        internal const ushort ETH_P_IP = 0x0800;
        internal const ushort ETH_P_IPV6 = 0x86DD;
        internal const ushort ARPHRD_ETHER = 1;
        internal const ushort ARPOP_REQUEST = 1;
        internal const ushort ARPOP_REPLY = 2;
        /// <summary>sll_pkttype of a frame this host sent itself.</summary>
        internal const byte PACKET_OUTGOING = 4;
        internal const int ETH_ALEN = 6;
        internal const int ETH_ZLEN = 60;

        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct sockaddr_ll
        {
            internal ushort sll_family;
            internal ushort sll_protocol;
            internal int sll_ifindex;
            internal ushort sll_hatype;
            internal byte sll_pkttype;
            internal byte sll_halen;
            internal fixed byte sll_addr[8];
        }
    }
}
