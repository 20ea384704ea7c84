using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using L2Vlan.Driver;
using L2Vlan.Firewall;
using L2Vlan.Netlink;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Suites;

/// <summary>
/// 100,000 requests a careless or hostile client could send, on the real unix socket of a running service, in two
/// phases of 8 clients at once. The modelled phase: each client runs Docker's own sequences (networks and
/// containers made, used and removed, so that the state grows) interleaved with random requests, all in a key
/// space of its own (see <see cref="DockerLikeClient"/>), and its accepted requests feed its
/// <see cref="ReferenceModel"/>; since no client can touch another's networks, pools, bridges or addresses, the
/// order of a client's own requests decides its part of the state, and afterwards the state folder, the fake
/// kernel's links and the fake firewall's rules must be what the models predict, before and after a restart.
/// The chaos phase: Docker's messages with values drawn from small sets shared by all clients (so networks, pools
/// and endpoints collide across clients) and, for half of them, their bytes mutated (<see cref="FuzzRequests"/>);
/// there the order across clients decides the outcome, so only the properties are checked. In both: every request
/// is answered; an answer that is not 200 is a JSON object with a non-empty Err; none reaches the catch-all for
/// bugs; memory stays bounded; the state on disk loads again with nothing quarantined. The kernel and firewall are
/// faked (FakeLinkControl keeps links as the kernel would). L2VLAN_SUITE_SEED replays a run (up to the order in
/// which the service takes the clients' requests); the seed is printed.
/// </summary>
[Category("Suite")]
public class RequestFuzzSuite
{
    private const int ModelledRequests = 40_000;
    private const int ChaosRequests = 60_000;
    private const int Clients = 8;

    private InProcessService _service = null!;
    private string StateDirectory => _service.StateDirectory;
    private readonly ConcurrentQueue<string> _problems = new();
    private readonly ConcurrentDictionary<int, int> _statuses = new();
    private readonly ConcurrentDictionary<string, int> _acceptedPerPath = new();

    [SetUp]
    public void SetUp()
    {
        // In memory where there is a tmpfs: this suite kills nothing, so the fsyncs of every save prove nothing here
        // (the kill-point suite's business), and on a shared disk they made the modelled phase five times slower.
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _service = new InProcessService(root, "fuzz", ["eno1", "eth1"], LogLevel.Critical);
    }

    [TearDown]
    public async Task TearDown() => await _service.DisposeAsync();

    [Test]
    public async Task Every_request_is_answered_and_the_state_is_what_the_accepted_requests_make()
    {
        var seed = SuiteSeed.Announce("fuzz suite", "the requests");
        await _service.StartAsync();
        using var http = FakeKernelHost.Client(_service.Socket, Clients);
        var clock = Stopwatch.StartNew();

        // The modelled phase: each client in its own key space, its accepted requests fed to its own model.
        var models = Enumerable.Range(0, Clients).Select(_ => new ReferenceModel()).ToArray();
        var sizes = new (int Networks, int Endpoints, int Addresses)[Clients];
        var peak = (Networks: 0, Endpoints: 0, Addresses: 0);
        var sent = new int[Clients];
        long memoryBefore = 0;
        var stepMismatches = new ConcurrentQueue<string>();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            var model = models[c];
            DockerLikeClient client = null!;
            var mismatched = false;
            var checks = new Random(HashCode.Combine(seed, c, "checks"));
            client = new DockerLikeClient(c, new Random(HashCode.Combine(seed, c)), async (path, body) =>
            {
                var (status, text) = await Send(http, path, Encoding.UTF8.GetBytes(body));
                sent[c]++;
                if (status == 200) model.Accepted(path, body, text);
                // After a third of the requests (at random; all would triple the time), the client's own files are what
                // its model says: the end state alone would miss a save skipped once and made good by a later one.
                if (!mismatched && checks.Next(3) == 0)
                {
                    var (missing, unexpected) = Compare(model.Describe().Where(IsRecord),
                        ObservedState.DescribeFiles(StateDirectory, client.Owns));
                    if (missing.Count + unexpected.Count > 0)
                    {
                        mismatched = true;
                        stepMismatches.Enqueue($"after {path} {body} -> {status} {text}: lacks " +
                            $"[{string.Join("; ", missing)}], has [{string.Join("; ", unexpected)}]");
                    }
                }
                if (status != 200) return (status, text);
                lock (sizes)
                {
                    sizes[c] = (model.Networks, model.Endpoints, model.HeldAddresses);
                    peak = (Math.Max(peak.Networks, sizes.Sum(x => x.Networks)),
                        Math.Max(peak.Endpoints, sizes.Sum(x => x.Endpoints)),
                            Math.Max(peak.Addresses, sizes.Sum(x => x.Addresses)));
                }
                return (status, text);
            });
            while (sent[c] < ModelledRequests / Clients)
            {
                if (c == 0 && memoryBefore == 0 && sent[c] >= ModelledRequests / Clients / 10) memoryBefore = Memory();
                await client.Step();
            }
        })));
        var modelled = sent.Sum();
        var modelledSeconds = clock.Elapsed.TotalSeconds;
        var acceptedModelled = _acceptedPerPath.ToDictionary();
        var expected = models.SelectMany(m => m.Describe()).ToList();
        // Deleted endpoints' veths go after the answer (Driver/VethReaper): the kernel is compared once they have.
        var reaper = _service.Services.GetRequiredService<VethReaper>();
        for (var waited = Stopwatch.StartNew(); !reaper.Idle && waited.Elapsed < TimeSpan.FromSeconds(30);)
            await Task.Delay(20);
        Assert.That(reaper.Idle, "the background veth deletes finished within 30 s");
        var (missing, unexpected) = Compare(expected, ObservedState.Describe(StateDirectory, Kernel, Firewall));
        await _service.StopAsync();
        await _service.StartAsync();
        foreach (var model in models) model.Restart();
        var (missingAfterRestart, unexpectedAfterRestart) = Compare(
            models.SelectMany(m => m.Describe(heldBySubnet: true)).Where(IsRecord),
                ObservedState.Describe(StateDirectory, null, null, heldBySubnet: true));

        // The chaos phase: shared values and mutated bytes, so clients collide; only the properties are checked.
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(HashCode.Combine(seed, c, "chaos"));
            for (var i = 0; i < ChaosRequests / Clients; i++)
            {
                var (path, body) = FuzzRequests.Next(random);
                await Send(http, path, body);
            }
        })));
        var memoryAfter = Memory();
        var (activateStatus, _) = await Post(http, "/Plugin.Activate", []);

        await _service.StopAsync();
        var quarantined = Directory.Exists(StateDirectory)
            ? Directory.EnumerateFiles(StateDirectory, "*", SearchOption.AllDirectories)
                .Where(f => f.Contains("/quarantine/", StringComparison.Ordinal)).ToList()
            : [];
        await _service.StartAsync();
        var afterRestartQuarantined = Directory.EnumerateFiles(StateDirectory, "*", SearchOption.AllDirectories)
            .Count(f => f.Contains("/quarantine/", StringComparison.Ordinal));
        var files = Directory.EnumerateFiles(StateDirectory, "*.json", SearchOption.AllDirectories).Count();

        var total = modelled + ChaosRequests;
        TestContext.Progress.WriteLine(
            $"fuzz suite: {total} requests from {Clients} clients in {clock.Elapsed.TotalSeconds:F1} s " +
                $"({total / clock.Elapsed.TotalSeconds:F0}/s); " +
            $"answers {string.Join(", ", _statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"))}; " +
            $"managed memory {memoryBefore / 1024 / 1024} MiB early on, {memoryAfter / 1024 / 1024} MiB at the end; " +
                $"{files} state files");
        var acceptedPerCall = acceptedModelled.OrderBy(p => p.Key)
            .Select(p => $"{p.Key[(p.Key.IndexOf('.') + 1)..]} {p.Value}");
        TestContext.Progress.WriteLine(
            $"fuzz suite: modelled phase {modelled} requests in {modelledSeconds:F1} s, accepted " +
                $"{string.Join(", ", acceptedPerCall)}; " +
            $"peak {peak.Networks} networks, {peak.Endpoints} endpoints, {peak.Addresses} held addresses; at the end " +
                $"{expected.Count} model lines; " +
            $"chaos phase {ChaosRequests} requests");
        Assert.Multiple(() =>
        {
            Assert.That(_problems, Is.Empty, $"seed {seed}");
            Assert.That(models.SelectMany(m => m.Disagreements).Take(20), Is.Empty,
                $"the answers agree with the model (seed {seed})");
            Assert.That(stepMismatches, Is.Empty, $"after each request, a client's state files are what its model " +
                $"predicts (seed {seed})");
            Assert.That(missing, Is.Empty, $"what the model predicts and the service lacks (seed {seed})");
            Assert.That(unexpected, Is.Empty, $"what the service has and the model does not predict (seed {seed})");
            Assert.That(missingAfterRestart, Is.Empty, $"after a restart, what the model predicts and the state " +
                $"folder lacks (seed {seed})");
            Assert.That(unexpectedAfterRestart, Is.Empty, $"after a restart, what the state folder has and the model " +
                $"does not predict (seed {seed})");
            Assert.That(_statuses.Values.Sum(), Is.EqualTo(total), "every request was answered");
            Assert.That(activateStatus, Is.EqualTo(200), "the service still answers Plugin.Activate");
            Assert.That(memoryAfter - memoryBefore, Is.LessThan(64L * 1024 * 1024), "managed memory stays bounded");
            Assert.That(quarantined, Is.Empty, "no state file the service wrote was unreadable at restart");
            Assert.That(afterRestartQuarantined, Is.Zero, "and none after the restart");
            Assert.That(peak.Endpoints, Is.GreaterThan(Clients * 4), "the modelled phase reached a state of some size");
            Assert.That(_statuses.GetValueOrDefault(200), Is.GreaterThan(total / 4),
                "enough requests were accepted to reach the state");
        });
    }

    /// <summary>The lines only one side has (at most 20 of each), so that a failure shows where they differ.</summary>
    private static (List<string> Missing, List<string> Unexpected) Compare(IEnumerable<string> expected,
        IEnumerable<string> actual)
    {
        var (e, a) = (expected.ToHashSet(), actual.ToHashSet());
        return (e.Except(a).Order().Take(20).ToList(), a.Except(e).Order().Take(20).ToList());
    }

    /// <summary>Lines of the state folder, which a restart must keep as they are (the kernel and firewall are new after
    /// it).</summary>
    private static bool IsRecord(string line) => !line.StartsWith("kernel:", StringComparison.Ordinal)
        && !line.StartsWith("firewall:", StringComparison.Ordinal);

    private FakeLinkControl Kernel => (FakeLinkControl)_service.Services.GetRequiredService<ILinkControl>();

    private FakeFirewall Firewall => (FakeFirewall)_service.Services.GetRequiredService<IFirewall>();

    /// <summary>Posts one request and checks its answer; returns the status and text.</summary>
    private async Task<(int Status, string Text)> Send(HttpClient http, string path, byte[] body)
    {
        var (status, text) = await Post(http, path, body);
        _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        if (status == 200) _acceptedPerPath.AddOrUpdate(path, 1, (_, n) => n + 1);
        var problem = Check(status, text);
        if (problem is not null && _problems.Count < 20)
            _problems.Enqueue($"{path} {Encoding.UTF8.GetString(body)} -> {status} {text}: {problem}");
        return (status, text);
    }

    /// <summary>What is wrong with an answer, or null.</summary>
    private static string? Check(int status, string text)
    {
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException)
        {
            return "the answer is not JSON";
        }
        if (json.ValueKind != JsonValueKind.Object) return "the answer is not a JSON object";
        if (status == 200) return null;
        if (!json.TryGetProperty("Err", out var err) || err.ValueKind != JsonValueKind.String
            || err.GetString() is not { Length: > 0 } message)
        {
            return "an answer that is not 200 has no Err";
        }
        return message.Contains("internal error", StringComparison.Ordinal) ? "a request reached the catch-all for bugs"
            : null;
    }

    private static long Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task<(int Status, string Text)> Post(HttpClient http, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        using var reply = await http.PostAsync(path, content);
        return ((int)reply.StatusCode, await reply.Content.ReadAsStringAsync());
    }

}
