using System.Net.Sockets;
using System.Text.Json;
using L2Vlan.Domain;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Cli;

/// <summary><c>l2vlan status</c>: a state folder it cannot read is an error, and Docker's names go beside the networks'
/// IDs when Docker answers.</summary>
public class StatusCommandTests
{
    private const string Net1 = "3f2a0c1d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29";
    private const string Gone = "0474660acf3a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c";

    private string _folder = null!;
    private string State => Path.Combine(_folder, "state");
    private string DockerSocket => Path.Combine(_folder, "docker.sock");

    [SetUp]
    public void SetUp()
    {
        _folder = Directory.CreateTempSubdirectory("l2vlan-status-").FullName;
        var networks = new JsonFileCollection<NetworkRecord>(Path.Combine(State, "networks"),
            StateJsonContext.Default.NetworkRecord, NullLogger.Instance);
        foreach (var id in new[] { Net1, Gone })
        {
            networks.Save(id, new NetworkRecord
            {
                NetworkId = id,
                BridgeName = "vlan2000",
                ExtIf = "eno1",
                VlanId = 2000,
                Subnets = [new SubnetRecord(Cidr.ParseNetwork("192.168.1.0/24", "subnet"), null)],
            });
        }
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    private Task<CliRun> Status(params string[] more) =>
        CliRun.Of(["status", "--state-dir", State, "--docker-socket", DockerSocket, .. more]);

    [Test]
    public async Task A_missing_state_folder_is_an_error_not_an_empty_state()
    {
        var missing = Path.Combine(_folder, "missing");

        var run = await CliRun.Of("status", "--state-dir", missing, "--docker-socket", DockerSocket);

        Assert.That(run.Status, Is.EqualTo(1), run.ToString());
        Assert.That(run.Error, Is.EqualTo($"l2vlan status: cannot read the state folder {missing}: it does not " +
            $"exist\n"));
        Assert.That(run.Output, Is.Empty);
    }

    [Test]
    public async Task A_file_where_the_state_folder_should_be_is_an_error()
    {
        var file = Path.Combine(_folder, "file");
        File.WriteAllText(file, "");

        var run = await CliRun.Of("status", "--state-dir", file, "--docker-socket", DockerSocket, "--json");

        Assert.That(run.Status, Is.EqualTo(1), run.ToString());
        Assert.That(run.Error, Does.Contain($"cannot read the state folder {file}: it is a file, not a folder"));
        Assert.That(run.Output, Is.Empty, "no JSON of an empty state");
    }

    [Test]
    public async Task A_file_where_a_kind_of_record_should_be_is_an_error()
    {
        File.WriteAllText(Path.Combine(State, "pools"), "");

        var run = await Status();

        Assert.That(run.Status, Is.EqualTo(1), run.ToString());
        Assert.That(run.Error, Does.Contain($"cannot read the state folder {State}: {Path.Combine(State, "pools")} " +
            $"is a file, not a folder"));
    }

    [Test]
    public async Task Docker_answering_names_the_networks_it_has_and_says_which_it_has_not()
    {
        await using var docker = await FakeDockerEngine.StartAsync(DockerSocket, (Net1, "net1"), ("b1c2", "bridge"));

        var run = await Status();

        Assert.That(run.Status, Is.EqualTo(0), run.ToString());
        Assert.That(run.Error, Is.Empty);
        Assert.That(run.Output, Does.Contain($"networks: 2\n"));
        Assert.That(run.Output, Does.Contain($"  {Net1} (net1): bridge vlan2000, subnets 192.168.1.0/24\n"));
        Assert.That(run.Output, Does.Contain($"  {Gone} (Docker has no network with this ID; see l2vlan doctor): " +
            $"bridge vlan2000"));
    }

    [Test]
    public async Task Docker_answering_gives_the_names_in_json()
    {
        await using var docker = await FakeDockerEngine.StartAsync(DockerSocket, (Net1, "net1"));

        var run = await Status("--json");

        using var json = JsonDocument.Parse(run.Output);
        var names = json.RootElement.GetProperty("networks").EnumerateArray()
            .ToDictionary(n => n.GetProperty("networkId").GetString()!, n => n.GetProperty("name").GetString());
        Assert.That(json.RootElement.GetProperty("dockerAnswered").GetBoolean(), Is.True);
        Assert.That(names, Is.EqualTo(new Dictionary<string, string?> { [Net1] = "net1", [Gone] = null }));
    }

    [Test]
    public async Task Without_Docker_the_networks_are_shown_by_ID_and_it_says_why()
    {
        var text = await Status();
        var json = await Status("--json");

        Assert.That(text.Status, Is.EqualTo(0), text.ToString());
        Assert.That(text.Error, Is.EqualTo($"l2vlan status: Docker was not reachable on {DockerSocket} (there is no " +
            $"socket {DockerSocket}): networks are shown by ID only\n"));
        Assert.That(text.Output, Does.Contain($"  {Net1}: bridge vlan2000"));
        using var document = JsonDocument.Parse(json.Output);
        Assert.That(document.RootElement.GetProperty("dockerAnswered").GetBoolean(), Is.False);
        Assert.That(document.RootElement.GetProperty("networks").EnumerateArray()
            .Select(n => n.GetProperty("name").ValueKind),
            Is.All.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task A_Docker_that_never_answers_is_given_up_on()
    {
        // A socket that accepts connections (the kernel's backlog) but whose owner never reads or answers.
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        silent.Bind(new UnixDomainSocketEndPoint(DockerSocket));
        silent.Listen(8);

        var run = await Status();

        Assert.That(run.Status, Is.EqualTo(0), run.ToString());
        Assert.That(run.Error, Does.Contain($"Docker was not reachable on {DockerSocket} (no answer in time): " +
            $"networks are shown by ID only"));
        Assert.That(run.Output, Does.Contain($"  {Net1}: bridge vlan2000"));
    }
}
