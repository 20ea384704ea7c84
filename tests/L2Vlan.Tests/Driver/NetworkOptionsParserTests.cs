using L2Vlan.Driver;
using L2Vlan.Domain;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

public class NetworkOptionsParserTests
{
    private static readonly HashSet<string> HostLinks = ["eno1", "eth1", "enp0s31f6"];

    private static NetworkOptions Parse(Dictionary<string, string> options, Dictionary<string, string>? files = null) =>
        NetworkOptionsParser.Parse(options, HostLinks.Contains,
            path => files is not null && files.TryGetValue(path, out var text) ? text
                : throw new FileNotFoundException($"Could not find file '{path}'"));

    private static string Error(Dictionary<string, string> options, Dictionary<string, string>? files = null) =>
        Assert.Throws<UserError>(() => Parse(options, files))!.Message;

    [Test]
    public void The_seed_options_parse()
    {
        var o = Parse(Networks.Vlan2000Options());
        Assert.That(o, Is.EqualTo(new NetworkOptions("eno1", 2000, "vlan2000", null, o.Routes)));
        Assert.That(o.VlanLink, Is.EqualTo("eno1.2000"));
    }

    [TestCase(null, true)]
    [TestCase("on", true)]
    [TestCase("off", false)]
    [TestCase("OFF", false)]
    public void Duplicate_address_detection_is_on_unless_turned_off(string? dad, bool expected)
    {
        var options = new Dictionary<string, string> { ["vlan_id"] = "10", ["ext_if"] = "eno1" };
        if (dad is not null) options["dad"] = dad;
        Assert.That(Parse(options).Dad, Is.EqualTo(expected));
        Assert.That(NetworkOptionsParser.DadEnabled(options), Is.EqualTo(expected));
    }

    [TestCase("no")]
    [TestCase("false")]
    [TestCase("0")]
    public void A_dad_value_other_than_on_or_off_is_refused(string dad) =>
        Assert.That(Error(new() { ["vlan_id"] = "10", ["ext_if"] = "eno1", ["dad"] = dad }),
            Does.Contain("-o dad=" + dad).And.Contain("on or off").And.Contain("example"));

    [Test]
    public void The_bridge_name_defaults_to_vlan_and_the_tag() =>
        Assert.That(Parse(new() { ["vlan_id"] = "10", ["ext_if"] = "eno1" }).BridgeName, Is.EqualTo("vlan10"));

    [TestCase("0")]
    [TestCase("4095")]
    [TestCase("ten")]
    [TestCase("-1")]
    public void A_vlan_id_outside_1_to_4094_is_refused(string id) =>
        Assert.That(Error(new() { ["vlan_id"] = id, ["ext_if"] = "eno1" }),
            Does.Contain("vlan_id=" + id).And.Contain("1 to 4094").And.Contain("example"));

    [Test]
    public void A_missing_vlan_id_or_ext_if_is_named()
    {
        Assert.That(Error(new() { ["ext_if"] = "eno1" }), Does.Contain("vlan_id is required"));
        Assert.That(Error(new() { ["vlan_id"] = "5" }), Does.Contain("ext_if is required"));
    }

    [TestCase("a-bridge-name-too-long")]
    [TestCase("has space")]
    [TestCase("sl/ash")]
    public void A_bridge_name_that_is_not_an_interface_name_is_refused(string name) =>
        Assert.That(Error(new() { ["vlan_id"] = "5", ["ext_if"] = "eno1", ["bridge_name"] = name }),
            Does.Contain("bridge_name=" + name).And.Contain("15 bytes"));

    [Test]
    public void Unknown_options_are_refused_with_the_known_ones() =>
        Assert.That(Error(new() { ["vlan_id"] = "5", ["ext_if"] = "eno1", ["vlanid"] = "5" }),
            Does.Contain("'vlanid'").And.Contain("vlan_id, ext_if, bridge_name"));

    [Test]
    public void Ext_if_may_be_a_list_and_the_first_existing_wins()
    {
        Assert.That(Parse(new() { ["vlan_id"] = "5", ["ext_if"] = "bond0, eth1  eno1" }).ExtIf, Is.EqualTo("eth1"));
        Assert.That(Error(new() { ["vlan_id"] = "5", ["ext_if"] = "bond0,bond1" }), Does.Contain("tried bond0, bond1"));
    }

    [Test]
    public void Parent_in_macvlan_form_gives_nic_and_tag()
    {
        var o = Parse(new() { ["parent"] = "eno1.2000" });
        Assert.That((o.ExtIf, o.VlanId), Is.EqualTo(("eno1", 2000)));
        Assert.That(Error(new() { ["parent"] = "eno1" }), Does.Contain("example: -o parent=eno1.2000"));
        Assert.That(Error(new() { ["parent"] = "eno1.20", ["vlan_id"] = "30" }),
            Does.Contain("VLAN 20").And.Contain("vlan_id=30"));
    }

    [Test]
    public void Parent_file_reads_toml_or_the_first_line()
    {
        var files = new Dictionary<string, string>
        {
            ["/etc/l2.toml"] = "# nic for l2vlan\n[other]\next_if = \"eno1\"\n[l2vlan]\next_if = \"eth1\"\n",
            ["/etc/l2.txt"] = "\n  enp0s31f6 \nignored\n",
            ["/etc/empty"] = "\n\n",
        };
        Assert.That(Parse(new() { ["vlan_id"] = "5", ["parent_file"] = "/etc/l2.toml" }, files).ExtIf,
            Is.EqualTo("eth1"));
        Assert.That(Parse(new() { ["vlan_id"] = "5", ["parent_file"] = "/etc/l2.txt" }, files).ExtIf,
            Is.EqualTo("enp0s31f6"));
        Assert.That(Error(new() { ["vlan_id"] = "5", ["parent_file"] = "/etc/empty" }, files), Does.Contain("empty"));
        Assert.That(Error(new() { ["vlan_id"] = "5", ["parent_file"] = "/etc/none" }, files),
            Does.Contain("parent_file=/etc/none").And.Contain("cannot read"));
    }

    [Test]
    public void Parent_file_content_is_never_quoted_in_an_error()
    {
        var files = new Dictionary<string, string>
        {
            ["/etc/shadow"] = "root:$y$j9T$secrethash:20228:0:99999:7:::\n",
            ["/etc/l2.toml"] = "[l2vlan]\next_if = \"secret nic\"\n",
            ["/etc/absent"] = "eth9secret\n",
        };
        foreach (var path in files.Keys)
        {
            var error = Error(new() { ["vlan_id"] = "5", ["parent_file"] = path }, files);
            Assert.That(error, Does.Contain("parent_file=" + path).And.Not.Contain("secret").And.Not.Contain("root"));
        }
    }

    [TestCase("+")]
    [TestCase("vlan+")]
    [TestCase("vl+an")]
    [TestCase("vlan%d")]
    [TestCase(".hidden")]
    [TestCase(".")]
    [TestCase("..")]
    [TestCase("a:b")]
    [TestCase("tab\tname")]
    [TestCase("vlän")]
    public void A_bridge_name_iptables_or_the_kernel_would_misread_is_refused(string name) =>
        Assert.That(Error(new() { ["vlan_id"] = "5", ["ext_if"] = "eno1", ["bridge_name"] = name }),
            Does.Contain("bridge_name=" + name).And.Contain("letters, digits"));

    [TestCase("docker0")]
    [TestCase("docker_gwbridge")]
    [TestCase("br-0123456789ab")]
    public void A_bridge_Docker_owns_is_refused(string name) =>
        Assert.That(Error(new() { ["vlan_id"] = "5", ["ext_if"] = "eno1", ["bridge_name"] = name }),
            Does.Contain("bridge_name=" + name).And.Contain("Docker owns"));

    [TestCase("vlan2000")]
    [TestCase("my_br-2.a")]
    [TestCase("BR2000")]
    public void A_plain_bridge_name_is_taken(string name) =>
        Assert.That(Parse(new() { ["vlan_id"] = "5", ["ext_if"] = "eno1", ["bridge_name"] = name }).BridgeName,
            Is.EqualTo(name));

    [Test]
    public void An_ext_if_with_a_name_template_is_refused() =>
        Assert.That(Error(new() { ["vlan_id"] = "5", ["ext_if"] = "eth%d" }),
            Does.Contain("ext_if=eth%d").And.Contain("'%'"));

    [Test]
    public void A_sub_interface_name_over_15_bytes_is_refused()
    {
        HostLinks.Add("enx0123456789ab");
        Assert.That(Error(new() { ["vlan_id"] = "2000", ["ext_if"] = "enx0123456789ab" }),
            Does.Contain("enx0123456789ab.2000").And.Contain("15 bytes"));
    }

    [Test]
    public void Mtu_and_routes_are_checked()
    {
        const string routes = "10.0.0.0/8, 172.16.0.0/12";
        var o = Parse(new() { ["vlan_id"] = "5", ["ext_if"] = "eno1", ["mtu"] = "1400", ["routes"] = routes });
        Assert.That(o.Mtu, Is.EqualTo(1400));
        Assert.That(o.Routes.Select(r => r.ToString()), Is.EqualTo(new[] { "10.0.0.0/8", "172.16.0.0/12" }));
        Assert.That(Error(new() { ["vlan_id"] = "5", ["ext_if"] = "eno1", ["mtu"] = "20" }),
            Does.Contain("mtu=20").And.Contain("68 to 65535"));
        Assert.That(Error(new() { ["vlan_id"] = "5", ["ext_if"] = "eno1", ["routes"] = "10.0.0.0" }),
            Does.Contain("routes").And.Contain("'10.0.0.0'"));
    }
}
