using System.Formats.Tar;
using System.Text.Json;
using L2Vlan.Adapter;

namespace L2Vlan.Tests.Adapter;

public class PluginBundleTests
{
    private string _folder = null!;
    private string _binary = null!;
    private string _library = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "l2vlan-bundle-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        _binary = Path.Combine(_folder, "l2vlan");
        _library = Path.Combine(_folder, "libc.so.6");
        File.WriteAllText(_binary, "pretend executable");
        File.WriteAllText(_library, "pretend libc");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    private PluginBundle Bundle(string serviceSocket = "/run/l2vlan/l2vlan.sock") =>
        PluginBundle.Build(new AdapterSettings(_binary, serviceSocket),
            [new RootfsFile("/l2vlan", _binary), new RootfsFile("/lib/libc.so.6", _library)]);

    [Test]
    public void Config_declares_both_driver_types_on_the_adapters_own_socket_with_host_network_and_the_service_folder()
    {
        using var json = JsonDocument.Parse(Bundle().ConfigJson());
        var config = json.RootElement;

        Assert.That(config.GetProperty("interface").GetProperty("types").EnumerateArray().Select(t => t.GetString()),
            Is.EquivalentTo(new[] { "docker.networkdriver/1.0", "docker.ipamdriver/1.0" }));
        Assert.That(config.GetProperty("interface").GetProperty("socket").GetString(), Is.EqualTo("l2vlan-swarm.sock"));
        Assert.That(config.GetProperty("network").GetProperty("type").GetString(), Is.EqualTo("host"));
        var mount = config.GetProperty("mounts").EnumerateArray().Single();
        Assert.That(mount.GetProperty("type").GetString(), Is.EqualTo("bind"));
        Assert.That(mount.GetProperty("source").GetString(), Is.EqualTo("/run/l2vlan"));
        Assert.That(mount.GetProperty("destination").GetString(), Is.EqualTo("/run/l2vlan"));
        Assert.That(mount.GetProperty("options").EnumerateArray().Select(o => o.GetString()), Is.EqualTo(new[]
        {
            "rbind",
        }));
        Assert.That(config.GetProperty("entrypoint").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[]
        {
            "/l2vlan", "relay", "--listen", "/run/docker/plugins/l2vlan-swarm.sock", "--to", "/run/l2vlan/l2vlan.sock",
        }));
        Assert.That(config.GetProperty("env").EnumerateArray().Single().GetProperty("value").GetString(),
            Is.EqualTo("/lib"));
    }

    [Test]
    public void The_adapter_is_not_named_l2vlan_which_would_shadow_the_v1_plugin()
    {
        Assert.That(AdapterSettings.PluginReference, Is.EqualTo("l2vlan-swarm:latest"));
        Assert.That(AdapterSettings.PluginName, Is.Not.EqualTo("l2vlan"));
    }

    [Test]
    public void Digest_is_stable_and_written_into_the_description()
    {
        var first = Bundle();
        var second = Bundle();

        Assert.That(first.Digest, Does.Match("^sha256:[0-9a-f]{64}$"));
        Assert.That(second.Digest, Is.EqualTo(first.Digest));
        Assert.That(PluginBundle.DigestIn(first.Config.Description), Is.EqualTo(first.Digest));
        Assert.That(PluginBundle.DigestIn("a plugin made by hand"), Is.Null);
    }

    [Test]
    public void Digest_changes_with_a_file_or_the_config()
    {
        var before = Bundle().Digest;

        Assert.That(Bundle("/run/other/l2vlan.sock").Digest, Is.Not.EqualTo(before), "another service socket");
        File.WriteAllText(_binary, "pretend executable, next version");
        Assert.That(Bundle().Digest, Is.Not.EqualTo(before), "another executable");
    }

    [Test]
    public void Tar_holds_config_json_and_a_rootfs_with_the_files_and_mount_points()
    {
        var bundle = Bundle();
        using var tar = new MemoryStream();
        bundle.WriteTar(tar);
        tar.Position = 0;

        var entries = new Dictionary<string, byte[]>();
        using (var reader = new TarReader(tar))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                using var data = new MemoryStream();
                entry.DataStream?.CopyTo(data);
                entries[entry.Name] = data.ToArray();
            }
        }

        Assert.That(entries["config.json"], Is.EqualTo(bundle.ConfigJson()));
        Assert.That(entries["rootfs/l2vlan"], Is.EqualTo(File.ReadAllBytes(_binary)));
        Assert.That(entries["rootfs/lib/libc.so.6"], Is.EqualTo(File.ReadAllBytes(_library)));
        Assert.That(entries.Keys, Does.Contain("rootfs/run/docker/plugins/"));
        Assert.That(entries.Keys, Does.Contain("rootfs/proc/"));
    }

    [Test]
    public void Elf_dependencies_of_a_host_executable_are_its_loader_and_libc()
    {
        if (!File.Exists("/bin/sh")) Assert.Ignore("no /bin/sh on this machine");
        var dependencies = ElfDependencies.Of("/bin/sh");

        Assert.That(Path.GetFileName(dependencies.Interpreter), Does.StartWith("ld-linux"));
        Assert.That(dependencies.Libraries.Keys, Does.Contain("libc.so.6"));
        Assert.That(dependencies.Libraries.Keys, Has.None.StartsWith("ld-linux"),
            "the loader is already in the rootfs");
        Assert.That(dependencies.Libraries.Values, Has.All.Matches<string>(File.Exists));
    }

    [Test]
    public void A_file_that_is_not_elf_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => ElfDependencies.Of(_binary));
    }
}
