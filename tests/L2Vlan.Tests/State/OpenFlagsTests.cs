using System.Runtime.InteropServices;
using L2Vlan.State;

namespace L2Vlan.Tests.State;

/// <summary>
/// open(2)'s O_DIRECTORY, which DirectorySync passes to sync a state folder, is the architecture's own: x86-64's
/// value 0x10000 is O_DIRECT on arm64.
/// </summary>
public class OpenFlagsTests
{
    [TestCase(Architecture.X64, 0x10000)]
    [TestCase(Architecture.Arm64, 0x4000)]
    public void O_DIRECTORY_is_the_architectures_own(Architecture architecture, int expected) =>
        Assert.That(Interop.Libc.DirectoryFlagOf(architecture), Is.EqualTo(expected));

    [TestCase(Architecture.X86)]
    [TestCase(Architecture.Arm)]
    [TestCase(Architecture.RiscV64)]
    public void Another_architecture_is_refused_rather_than_guessed(Architecture architecture) =>
        Assert.Throws<PlatformNotSupportedException>(() => Interop.Libc.DirectoryFlagOf(architecture));

    [Test]
    public void On_this_machine_the_flag_refuses_a_file_and_a_folder_syncs()
    {
        var folder = Directory.CreateTempSubdirectory("l2vlan-open-").FullName;
        try
        {
            var file = Path.Combine(folder, "file");
            File.WriteAllText(file, "x");
            var fd = Interop.Libc.Open(file, Interop.Libc.O_RDONLY | Interop.Libc.O_DIRECTORY | Interop.Libc.O_CLOEXEC);
            var errno = Marshal.GetLastPInvokeError();
            if (fd >= 0) Interop.Libc.Close(fd);
            Assert.That(fd, Is.EqualTo(-1), "a regular file is not a folder");
            Assert.That(errno, Is.EqualTo(20), "ENOTDIR");
            Assert.DoesNotThrow(() => DirectorySync.Flush(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
