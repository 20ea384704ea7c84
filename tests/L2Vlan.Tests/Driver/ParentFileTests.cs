using System.Diagnostics;
using L2Vlan.Domain;
using L2Vlan.Driver;

namespace L2Vlan.Tests.Driver;

public class ParentFileTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("l2vlan-parent-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private static string Error(string path) => Assert.Throws<UserError>(() => ParentFile.Read(path))!.Message;

    [Test]
    public void A_small_regular_file_is_read()
    {
        var path = Path.Combine(_dir, "nic");
        File.WriteAllText(path, "[l2vlan]\next_if = \"eno1\"\n");
        Assert.That(ParentFile.Read(path), Is.EqualTo("[l2vlan]\next_if = \"eno1\"\n"));
    }

    [Test]
    public void A_symlink_to_a_regular_file_is_read()
    {
        var target = Path.Combine(_dir, "nic");
        File.WriteAllText(target, "eno1\n");
        var link = Path.Combine(_dir, "link");
        File.CreateSymbolicLink(link, target);
        Assert.That(ParentFile.Read(link), Is.EqualTo("eno1\n"));
    }

    [Test]
    public void A_file_over_the_limit_is_refused_without_its_content()
    {
        var path = Path.Combine(_dir, "big");
        File.WriteAllText(path, "secret" + new string('x', ParentFile.MaxBytes));
        Assert.That(Error(path), Does.Contain("parent_file=" + path).And.Contain("64 KiB").And.Not.Contain("secret"));
    }

    [Test]
    public void A_directory_is_refused() =>
        Assert.That(Error(_dir), Does.Contain("parent_file=" + _dir).And.Contain("directory"));

    [Test]
    public void A_device_is_refused_even_behind_a_symlink()
    {
        Assert.That(Error("/dev/zero"), Does.Contain("parent_file=/dev/zero").And.Contain("not a regular file"));
        var link = Path.Combine(_dir, "zero");
        File.CreateSymbolicLink(link, "/dev/zero");
        Assert.That(Error(link), Does.Contain("not a regular file"));
    }

    [Test, CancelAfter(10_000)]
    public void A_fifo_is_refused_without_blocking()
    {
        var path = Path.Combine(_dir, "fifo");
        using (var mkfifo = Process.Start("mkfifo", path)) mkfifo.WaitForExit();
        Assert.That(Error(path), Does.Contain("not a regular file"));
    }

    [Test]
    public void A_missing_file_is_named() =>
        Assert.That(Error(Path.Combine(_dir, "none")), Does.Contain("cannot read the file"));
}
