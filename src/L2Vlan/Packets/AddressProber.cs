using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using static Interop.Packet;

namespace L2Vlan.Packets;

/// <summary>
/// <see cref="IAddressProber"/> over an AF_PACKET socket opened for each probe, so concurrent probes never share
/// or wait for one another. Like every socket it belongs to the network namespace of the thread that opened it.
/// <para>
/// RFC 5227 waits seconds (three probes 1–2 s apart, then 2 s); a container start cannot. Two probes
/// <see cref="Interval"/> apart, then <see cref="LastWait"/> more for late answers, is enough on a LAN, where an
/// answer takes well under a millisecond, and lets one lost frame pass; a station too slow for that is not seen.
/// </para>
/// </summary>
public sealed class AddressProber : IAddressProber
{
    public const int Probes = 2;
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan LastWait = TimeSpan.FromMilliseconds(150);

    public TimeSpan Duration => (Interval * (Probes - 1)) + LastWait;

    public AddressClaim? Probe(int linkIndex, PhysicalAddress mac, IReadOnlyList<IPAddress> addresses,
        CancellationToken cancel = default)
    {
        if (addresses.Count == 0) return null;
        var probes = addresses.Select(a => a.AddressFamily == AddressFamily.InterNetwork
            ? ArpProbe.BuildFrame(mac, a)
            : NeighbourDiscovery.BuildSolicitation(mac, a)).ToList();

        // Every protocol, bound to the link: on a bridge port the bridge takes each frame before any protocol's
        // handler runs, and only "all protocols" taps see it first. Opened for no protocol and then bound, so that
        // no frame of another link (the same address on another VLAN) is queued before the bind.
        using var socket = PacketSocket.Open(etherType: 0);
        socket.Bind(linkIndex, ETH_P_ALL);
        var frame = new byte[2048];
        var clock = Stopwatch.StartNew();
        var deadline = Duration;
        for (int sent = 0; ;)
        {
            // Checked between waits, each at most LastWait long: a cancelled probe sends nothing more.
            if (cancel.IsCancellationRequested) return null;
            var nextProbe = sent < Probes ? Interval * sent : TimeSpan.MaxValue;
            if (clock.Elapsed >= nextProbe)
            {
                foreach (var probe in probes) socket.Send(linkIndex, probe);
                sent++;
                continue;
            }
            var now = clock.Elapsed;
            if (now >= deadline) return null;
            var wait = (nextProbe < deadline ? nextProbe : deadline) - now;
            int length = socket.Receive(frame, wait, out bool outgoing);
            if (length <= 0 || outgoing) continue;
            if (Claimant(frame.AsSpan(0, Math.Min(length, frame.Length)), mac, addresses) is { } claim) return claim;
        }
    }

    private static AddressClaim? Claimant(ReadOnlySpan<byte> frame, PhysicalAddress own,
        IReadOnlyList<IPAddress> addresses)
    {
        foreach (var address in addresses)
        {
            var holder = address.AddressFamily == AddressFamily.InterNetwork
                ? ArpProbe.Claimant(frame, address, own)
                : NeighbourDiscovery.Claimant(frame, address, own);
            if (holder is not null) return new AddressClaim(address, holder);
        }
        return null;
    }
}
