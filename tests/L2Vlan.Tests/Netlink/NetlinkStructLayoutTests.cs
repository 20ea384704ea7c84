using System.Runtime.CompilerServices;

namespace L2Vlan.Tests.Netlink;

/// <summary>The interop structs must match the C layouts byte for byte (sizes from the kernel's uapi headers on
/// x86-64).</summary>
public class NetlinkStructLayoutTests
{
    [Test]
    public void Struct_sizes_match_C()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Unsafe.SizeOf<Interop.Netlink.nlmsghdr>(), Is.EqualTo(16));
            Assert.That(Unsafe.SizeOf<Interop.Netlink.nlmsgerr>(), Is.EqualTo(20));
            Assert.That(Unsafe.SizeOf<Interop.Netlink.nlattr>(), Is.EqualTo(4));
            Assert.That(Unsafe.SizeOf<Interop.Netlink.sockaddr_nl>(), Is.EqualTo(12));
            Assert.That(Unsafe.SizeOf<Interop.Rtnetlink.ifinfomsg>(), Is.EqualTo(16));
            Assert.That(Unsafe.SizeOf<Interop.Rtnetlink.ifaddrmsg>(), Is.EqualTo(8));
            Assert.That(Unsafe.SizeOf<Interop.Packet.sockaddr_ll>(), Is.EqualTo(20));
            Assert.That(Unsafe.SizeOf<Interop.Libc.timeval>(), Is.EqualTo(16));
        });
    }
}
