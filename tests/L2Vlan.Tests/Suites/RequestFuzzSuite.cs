using System.Diagnostics;
using System.Text;
using System.Text.Json;
using L2Vlan.Host;
using L2Vlan.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Suites;

/// <summary>
/// 100,000 requests a careless or hostile client could send, on the real unix socket of a running service:
/// Docker's messages with values drawn from small sets (so networks, pools and endpoints collide), and the
/// same messages with their bytes mutated. The claims: every request is answered; an answer that is not
/// 200 is a JSON object with a non-empty Err; none reaches the catch-all for bugs; memory stays bounded;
/// the state on disk loads again with nothing quarantined. The kernel and firewall are faked (FakeLinkControl
/// keeps links as the kernel would). L2VLAN_SUITE_SEED replays a run; the seed is printed.
/// </summary>
[Category("Suite")]
public class RequestFuzzSuite
{
    private const int Requests = 100_000;
    private const int Clients = 8;

    private string _folder = null!;
    private string _socket = null!;
    private WebApplication? _service;

    [SetUp]
    public void SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "l2vlan-fuzz-" + Guid.NewGuid().ToString("N"));
        _socket = Path.Combine(_folder, "run", "l2vlan.sock");
        Directory.CreateDirectory(Path.GetDirectoryName(_socket)!);
    }

    [TearDown]
    public async Task TearDown()
    {
        await StopService();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Every_request_is_answered_and_nothing_is_torn()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("L2VLAN_SUITE_SEED"), out var s) ? s : Environment.TickCount;
        TestContext.Progress.WriteLine($"fuzz suite: seed {seed} (L2VLAN_SUITE_SEED={seed} replays the requests)");
        await StartService();
        using var http = FakeKernelHost.Client(_socket, Clients);
        var problems = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var clock = Stopwatch.StartNew();
        long memoryBefore = 0;

        // Clients send at once, as dockerd does; each has its own stream of requests from the seed.
        var perClient = Requests / Clients;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(HashCode.Combine(seed, c));
            for (var i = 0; i < perClient; i++)
            {
                if (c == 0 && i == perClient / 10) memoryBefore = Memory();
                var (path, body) = FuzzRequests.Next(random);
                var (status, text) = await Post(http, path, body);
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                var problem = Check(status, text);
                if (problem is not null && problems.Count < 20) problems.Enqueue($"{path} {Encoding.UTF8.GetString(body)} -> {status} {text}: {problem}");
            }
        })));
        var memoryAfter = Memory();
        var (activateStatus, _) = await Post(http, "/Plugin.Activate", []);

        await StopService();
        var quarantined = Directory.Exists(Path.Combine(_folder, "state"))
            ? Directory.EnumerateFiles(Path.Combine(_folder, "state"), "*", SearchOption.AllDirectories).Where(f => f.Contains("/quarantine/", StringComparison.Ordinal)).ToList()
            : [];
        await StartService();
        var afterRestartQuarantined = Directory.EnumerateFiles(Path.Combine(_folder, "state"), "*", SearchOption.AllDirectories)
            .Count(f => f.Contains("/quarantine/", StringComparison.Ordinal));
        var files = Directory.EnumerateFiles(Path.Combine(_folder, "state"), "*.json", SearchOption.AllDirectories).Count();

        TestContext.Progress.WriteLine(
            $"fuzz suite: {Requests} requests from {Clients} clients in {clock.Elapsed.TotalSeconds:F1} s " +
            $"({Requests / clock.Elapsed.TotalSeconds:F0}/s); answers {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"))}; " +
            $"managed memory {memoryBefore / 1024 / 1024} MiB after the first tenth, {memoryAfter / 1024 / 1024} MiB at the end; {files} state files");
        Assert.Multiple(() =>
        {
            Assert.That(problems, Is.Empty, $"seed {seed}");
            Assert.That(statuses.Values.Sum(), Is.EqualTo(perClient * Clients), "every request was answered");
            Assert.That(activateStatus, Is.EqualTo(200), "the service still answers Plugin.Activate");
            Assert.That(memoryAfter - memoryBefore, Is.LessThan(64L * 1024 * 1024), "managed memory stays bounded");
            Assert.That(quarantined, Is.Empty, "no state file the service wrote was unreadable at restart");
            Assert.That(afterRestartQuarantined, Is.Zero, "and none after the restart");
            Assert.That(statuses.GetValueOrDefault(200), Is.GreaterThan(Requests / 10), "enough requests were accepted to reach the state");
        });
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
        if (!json.TryGetProperty("Err", out var err) || err.ValueKind != JsonValueKind.String || err.GetString() is not { Length: > 0 } message)
            return "an answer that is not 200 has no Err";
        return message.Contains("internal error", StringComparison.Ordinal) ? "a request reached the catch-all for bugs" : null;
    }

    private static long Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private async Task StartService()
    {
        _service = FakeKernelHost.Build(new ServiceSettings(_socket, Path.Combine(_folder, "state"), LogLevel.Critical), ["eno1", "eth1"]);
        await PluginHost.StartAsync(_service);
    }

    private async Task StopService()
    {
        if (_service is null) return;
        await _service.StopAsync();
        await _service.DisposeAsync();
        _service = null;
    }

    private static async Task<(int Status, string Text)> Post(HttpClient http, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        using var reply = await http.PostAsync(path, content);
        return ((int)reply.StatusCode, await reply.Content.ReadAsStringAsync());
    }

}
