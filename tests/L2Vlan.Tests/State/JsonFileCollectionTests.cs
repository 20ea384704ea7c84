using L2Vlan.State;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.State;

public class JsonFileCollectionTests
{
    private string _folder = null!;
    private JsonFileCollection<BridgeRecord> _bridges = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "l2vlan-state-" + Guid.NewGuid().ToString("N"));
        _bridges = new JsonFileCollection<BridgeRecord>(_folder, StateJsonContext.Default.BridgeRecord,
            NullLogger.Instance);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    private static BridgeRecord Bridge(string name, int vlan) =>
        new() { Name = name, ExtIf = "eno1", VlanId = vlan, VlanLink = $"eno1.{vlan}", CreatedBridge = true };

    [Test]
    public void A_save_replaces_the_record_and_leaves_no_temporary_file()
    {
        _bridges.Save("vlan10", Bridge("vlan10", 10));
        _bridges.Save("vlan10", Bridge("vlan10", 11));
        Assert.That(_bridges.LoadAll().Single().Value.VlanId, Is.EqualTo(11));
        Assert.That(Directory.EnumerateFiles(_folder).Select(Path.GetFileName), Is.EqualTo(new[] { "vlan10.json" }));
    }

    [Test]
    public void A_temporary_file_left_by_a_crash_mid_write_is_ignored_and_the_old_record_loads()
    {
        _bridges.Save("vlan10", Bridge("vlan10", 10));
        File.WriteAllText(Path.Combine(_folder, ".vlan10.json.4242.tmp"), "{\"Name\":\"vlan10\",\"Ext");
        var loaded = _bridges.LoadAll();
        Assert.That(loaded.Select(l => (l.Key, l.Value.VlanId)), Is.EqualTo(new[] { ("vlan10", 10) }));
    }

    [Test]
    public void Loading_deletes_the_temporary_files_of_writes_killed_before_their_rename()
    {
        // Found by the kill-point suite: every kill between write and rename left one more file, for good.
        _bridges.Save("vlan10", Bridge("vlan10", 10));
        File.WriteAllText(Path.Combine(_folder, ".vlan10.json.4242.tmp"), "{\"Name\":\"vlan10\",\"Ext");
        File.WriteAllText(Path.Combine(_folder, ".vlan11.json.4243.tmp"), "{}");
        _bridges.LoadAll();
        Assert.That(Directory.EnumerateFiles(_folder).Select(Path.GetFileName), Is.EqualTo(new[] { "vlan10.json" }));
    }

    [Test]
    public void A_torn_file_is_quarantined_reported_and_does_not_hide_the_others()
    {
        _bridges.Save("vlan10", Bridge("vlan10", 10));
        File.WriteAllText(_bridges.PathOf("vlan20"), "{\"Name\":\"vlan20\",");
        Assert.That(_bridges.Peek().Select(l => l.Key), Is.EqualTo(new[] { "vlan10" }), "peeking skips it");
        Assert.That(File.Exists(_bridges.PathOf("vlan20")), "peeking moves nothing");
        Assert.That(_bridges.LoadAll().Select(l => l.Key), Is.EqualTo(new[] { "vlan10" }));
        Assert.That(File.Exists(_bridges.PathOf("vlan20")), Is.False);
        Assert.That(Directory.EnumerateFiles(_bridges.QuarantineDirectory).Single(), Does.Contain("vlan20.json."));
    }

    [Test]
    public void A_file_that_parses_but_lacks_a_value_is_quarantined_with_its_path_and_the_field_logged()
    {
        var log = new RecordingLogger<JsonFileCollectionTests>();
        var bridges = new JsonFileCollection<BridgeRecord>(_folder, StateJsonContext.Default.BridgeRecord, log);
        bridges.Save("vlan10", Bridge("vlan10", 10));
        File.WriteAllText(bridges.PathOf("vlan20"),
            """{"Name": null, "ExtIf": "eno1", "VlanId": 20, "VlanLink": "eno1.20"}""");

        Assert.That(bridges.LoadAll().Select(l => l.Key), Is.EqualTo(new[] { "vlan10" }));
        Assert.That(bridges.QuarantinedAtLoad, Is.EqualTo(new[] { "vlan20" }));
        Assert.That(File.Exists(bridges.PathOf("vlan20")), Is.False);
        var error = log.Entries.Single(e => e.Level == LogLevel.Error).Message;
        Assert.That(error, Does.Contain(bridges.PathOf("vlan20")).And.Contain("Name is null"));
    }

    [Test]
    public void The_service_learns_which_files_this_load_quarantined_and_which_are_in_quarantine()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "vlan20.json"), "{\"Name\":\"vlan20\",");
        Assert.That(_bridges.LoadAll(), Is.Empty);
        Assert.That(_bridges.QuarantinedAtLoad, Is.EqualTo(new[] { "vlan20" }));
        Assert.That(_bridges.LoadAll(), Is.Empty);
        Assert.That(_bridges.QuarantinedAtLoad, Is.Empty, "the next load quarantined nothing");
        Assert.That(_bridges.QuarantinedFiles().Select(Path.GetFileName), Has.One.StartsWith("vlan20.json."),
            "but the file stays in quarantine");
    }

    [Test]
    public void Deleting_twice_is_fine()
    {
        _bridges.Save("vlan10", Bridge("vlan10", 10));
        _bridges.Delete("vlan10");
        Assert.DoesNotThrow(() => _bridges.Delete("vlan10"));
        Assert.That(_bridges.LoadAll(), Is.Empty);
    }
}
