using L2Vlan.Firewall;
using L2Vlan.Policy;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Policy;

/// <summary>
/// The policy file: every setting read, the defaults without it, and a refusal of the whole file that names the line.
/// </summary>
public class PolicyFileTests
{
    private const string Path = "/etc/l2vlan/l2vlan.conf";

    private static AdminPolicy Parse(string text) => PolicyFile.Parse(text, Path);

    private static string Refused(string path) =>
        Assert.Throws<PolicyFileException>(() => PolicyFile.Read(path))!.Message;

    private static string Refusal(string text) => Assert.Throws<PolicyFileException>(() => Parse(text))!.Message;

    [Test]
    public void Every_setting_is_read()
    {
        var policy = Parse("""
            # the NICs and VLANs Docker users may use
            allowed_ext_if = eno1, bond0

              allowed_vlans=100-199,2000
            dad = OFF
            log_level = warn
            nftables_chain = inet filter forward
            """);
        Assert.That(policy.ExtIfs, Is.EqualTo(new[] { "eno1", "bond0" }));
        Assert.That(policy.Vlans, Is.EqualTo(new[] { new VlanRange(100, 199), new VlanRange(2000, 2000) }));
        Assert.That(policy.Dad, Is.False);
        Assert.That(policy.LogLevel, Is.EqualTo(LogLevel.Warning));
        Assert.That(policy.NftablesChain, Is.EqualTo(new NftablesChain("inet", "filter", "forward")));
        Assert.That(policy.Summary(), Is.EqualTo("allowed_ext_if = eno1, bond0; allowed_vlans = 100-199, 2000; " +
            "dad = off; log_level = warning; nftables_chain = inet filter forward"));
    }

    [Test]
    public void Comments_only_and_any_are_the_defaults()
    {
        Assert.That(Parse("# nothing set\n\n"), Is.EqualTo(AdminPolicy.Defaults));
        var any = Parse("allowed_ext_if = any\nallowed_vlans = ANY\n");
        Assert.That(any.ExtIfs, Is.Null);
        Assert.That(any.Vlans, Is.Null);
        Assert.That(any.AllowsExtIf("whatever0") && any.AllowsVlan(4094), Is.True);
    }

    [Test]
    public void A_missing_file_is_the_defaults()
    {
        Assert.That(PolicyFile.Read(System.IO.Path.Combine(System.IO.Path.GetTempPath(), Guid.NewGuid().ToString("N"))),
            Is.EqualTo(AdminPolicy.Defaults));
    }

    [Test]
    public void The_shipped_file_parses_to_the_defaults()
    {
        var shipped = System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, "..", "..", "..", "..", "..",
            "packaging", "l2vlan.conf");
        Assert.That(PolicyFile.Read(shipped), Is.EqualTo(AdminPolicy.Defaults));
        var text = File.ReadAllText(shipped);
        foreach (var setting in AdminPolicy.Settings)
            Assert.That(text, Does.Contain($"#{setting} = "), $"the shipped file shows {setting}, commented out");
    }

    [TestCase("allowed_vlans = 100-199\nallowed_ext_if eno1\n", 2, "expected key = value")]
    [TestCase("dad = on\n\nallowed_vlans = 0-10\n", 3, "allowed_vlans: expected any, or VLAN IDs and ranges from 1")]
    [TestCase("allowed_vlans = 300-200\n", 1, "allowed_vlans: expected")]
    [TestCase("allowed_vlans = 100,\n", 1, "allowed_vlans: expected")]
    [TestCase("allowed_ext_if = eno1, eth/0\n", 1, "allowed_ext_if: expected any, or NIC names")]
    [TestCase("allowed_ext_if =\n", 1, "allowed_ext_if: expected")]
    [TestCase("dad = maybe\n", 1, "dad: expected on or off")]
    [TestCase("log_level = loud\n", 1, "log_level: expected trace, debug")]
    [TestCase("nftables_chain = bridge filter forward\n", 1, "nftables_chain: expected an nftables chain as family")]
    [TestCase("nftables_chain = inet filter\n", 1, "nftables_chain: expected")]
    [TestCase("dad = on\ndad = off\n", 2, "dad is set again (first on line 1)")]
    [TestCase("# ok\nallowed_vlan = 5\n", 2, "'allowed_vlan' is not a setting; expected one of allowed_ext_if")]
    public void A_wrong_line_is_refused_with_its_number_and_what_was_expected(string text, int line, string expected)
    {
        var message = Refusal(text);
        Assert.That(message, Does.StartWith($"{Path} line {line}: "));
        Assert.That(message, Does.Contain(expected));
    }

    [Test]
    public void A_refusal_never_repeats_the_value_or_other_text_of_the_file()
    {
        const string secret = "hunter2-s3cret";
        foreach (var text in new[]
        {
            $"allowed_vlans = {secret}\n", $"{secret}\n", $"password {secret} = x\n", $"log_level = {secret}\n",
            $"nftables_chain = inet {secret} forward forward\n", $"allowed_ext_if = {secret}/x\n",
        })
        {
            Assert.That(Refusal(text), Does.Not.Contain(secret).And.Not.Contain("hunter"), text);
        }
    }

    [Test]
    public void A_half_edited_file_is_refused_whole()
    {
        // An editor's save cut short: the first settings are fine, the last line is cut in its key.
        var message = Refusal("allowed_ext_if = eno1\nallowed_vlans = 2000\nnftables_ch");
        Assert.That(message, Does.StartWith($"{Path} line 3: expected key = value"));
    }

    [Test]
    public void A_folder_or_an_unreadable_file_is_refused_without_its_content()
    {
        var folder = Directory.CreateTempSubdirectory("l2vlan-policy-").FullName;
        try
        {
            Assert.That(Refused(folder), Does.Contain("is a folder"));
            var binary = System.IO.Path.Combine(folder, "l2vlan.conf");
            File.WriteAllBytes(binary, [0x64, 0x61, 0x64, 0x3d, 0xff, 0xfe]);
            Assert.That(Refused(binary), Does.Contain("not UTF-8 text"));
            File.WriteAllText(binary, new string('#', PolicyFile.MaxBytes + 1));
            Assert.That(Refused(binary), Does.Contain("larger than 64 KiB"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void A_network_outside_the_policy_is_refused_naming_the_setting_and_what_it_allows()
    {
        var policy = Parse("allowed_ext_if = eno1\nallowed_vlans = 100-199, 2000\n");
        Assert.DoesNotThrow(() => policy.Check("eno1", 150, Path));
        Assert.DoesNotThrow(() => policy.Check("eno1", 2000, Path));
        var vlan = Assert.Throws<L2Vlan.Domain.UserError>(() => policy.Check("eno1", 300, Path))!.Message;
        Assert.That(vlan,
            Does.StartWith("-o vlan_id=300 is not allowed on this host: allowed_vlans = 100-199, 2000 in " + Path));
        var nic = Assert.Throws<L2Vlan.Domain.UserError>(() => policy.Check("eno2", 150, Path))!.Message;
        Assert.That(nic,
            Does.StartWith("-o ext_if=eno2 is not allowed on this host: allowed_ext_if = eno1 in " + Path));
        Assert.That(policy.Breaches("eno2", 300),
            Is.EqualTo(new[] { "allowed_ext_if = eno1", "allowed_vlans = 100-199, 2000" }));
    }
}
