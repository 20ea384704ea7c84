using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using L2Vlan.Faults;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;
using L2Vlan.Tests.Suites.Kill;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Suites;

/// <summary>
/// SIGKILL at every step that writes or deletes a state file, makes, enslaves or deletes a link, or inserts or
/// deletes a firewall rule (<see cref="KillPoints"/>), each many times, while Docker's create/join/leave/delete
/// cycle runs against the service as a process of its own (tests/L2Vlan.KillHost: l2vlan serve's host, with only
/// the 802.1Q links stood in for) in a private network namespace with real links (a veth ext0 stands for the NIC)
/// and a stand-in iptables. After each kill the service is started again, as systemd
/// would, and once it answers <see cref="StateInvariants"/> must hold; then the cycle goes on as Docker would,
/// sending the interrupted call again. At the end everything is deleted and nothing is left: no link, rule or record.
/// L2VLAN_SUITE_SEED replays a run; each shard's seed is printed (shard n uses the seed + n).
/// The kills are shared out between two shards that run side by side, each with its own service, namespace
/// and folder: a kill's cycle is mostly a service process starting and the stand-in iptables' scripts, so
/// two shards on two cores take about half the time of one.
/// </summary>
[Category("Suite")]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
[Parallelizable(ParallelScope.Children)]
public class KillPointSuite
{
    private const int Shards = 2;
    // Each shard's share: 1,000 kills in all, and at least 40 at each point.
    private const int Kills = 1000 / Shards;
    private const int KillsPerPoint = 40 / Shards;
    // Each start dies at a point's n-th hit, n drawn up to this; a point is reached at least once per cycle.
    private const int MostHitsBeforeKill = 3;

    private ServiceSandbox _box = null!;
    private ServiceProcess? _service;
    private HttpClient? _http;
    private string? _armed;
    private string _lastKill = "none";

    [SetUp]
    public void SetUp()
    {
        // The NIC is made before the service is armed.
        _box = new ServiceSandbox(Path.GetTempPath(), "kill");
    }

    [TearDown]
    public void TearDown()
    {
        _http?.Dispose();
        _service?.Dispose();
        _box.Dispose();
    }

    [Test]
    public async Task Every_kill_point_leaves_state_that_the_next_start_recovers([Range(0, Shards - 1)] int shard)
    {
        var seed = SuiteSeed.Value + shard;
        TestContext.Progress.WriteLine($"kill-point suite, shard {shard}: seed {seed} " +
            $"({SuiteSeed.Variable}={seed - shard} replays the choices), binary {ServiceProcess.Binary}");
        var random = new Random(seed);
        var kills = KillPoints.All.ToDictionary(p => p, _ => 0);
        var figures = new Figures();
        var dockerHolds = new HashSet<IPAddress>();
        var clock = Stopwatch.StartNew();

        string? NextArm() =>
            kills.Values.Sum() >= Kills && kills.Values.Min() >= KillsPerPoint
                ? null
                : $"{kills.OrderBy(k => k.Value).ThenBy(_ => random.Next()).First().Key}:" +
                    $"{random.Next(1, MostHitsBeforeKill + 1)}";

        // Starts the service (armed while kills are wanted) until one answers, counting the kills during start-up.
        async Task Start()
        {
            while (true)
            {
                _armed = NextArm();
                var netns = $"/proc/{Environment.ProcessId}/fd/{_box.Namespace.Handle.DangerousGetHandle()}";
                _service = ServiceProcess.Start(netns, _box.Socket, _box.State, _box.Firewall.Folder, _armed);
                figures.Starts++;
                _http = FakeKernelHost.Client(_box.Socket);
                if (await Answers()) break;
                RecordKill(during: "start-up");
                figures.KilledInStartUp++;
            }
            var problems = StateInvariants.Problems(_box.State, _box.Links, _box.Firewall, dockerHolds);
            Assert.That(problems, Is.Empty, $"after start {figures.Starts}, the last kill {_lastKill} (seed {seed}); " +
                $"log:\n{_service!.Log}");
        }

        void RecordKill(string during)
        {
            _http?.Dispose();
            _http = null;
            var service = _service!;
            Assert.That(service.WaitKilled(TimeSpan.FromSeconds(10)), Is.True,
                $"the service died during {during} other than by the kill point {_armed} (exit " +
                    $"{(service.HasExited ? service.ExitCode : "none yet")}; seed {seed}); log:\n{service.Log}");
            var armed = _armed!;
            kills[armed[..armed.LastIndexOf(':')]]++;
            _lastKill = $"at {armed} during {during}";
            service.Dispose();
            _service = null;
        }

        await Start();
        var cyclesOfThisStart = 0;
        while (_armed is not null)
        {
            foreach (var call in DockerCycle.Calls(random, PoolHeld, AddressHeld, dockerHolds))
            {
                while (true)
                {
                    var (status, reply) = await Send(call);
                    if (status is { } code)
                    {
                        Assert.That(code, Is.EqualTo(200), $"{call.Path} {call.Body} answered {reply} (seed {seed}); " +
                            $"log:\n{_service!.Log}");
                        call.Answered?.Invoke();
                        figures.Calls++;
                        break;
                    }
                    RecordKill(during: $"{call.Path} {call.Body}");
                    figures.KilledInCalls++;
                    cyclesOfThisStart = 0;
                    // Sent and unanswered: until the state says whether it was granted, the address may be Docker's.
                    if (call.Grants is { } granted) dockerHolds.Add(granted);
                    await Start();
                    if (call.Landed?.Invoke() == true)
                    {
                        figures.LandedUnanswered++;
                        call.Answered?.Invoke();
                        break;
                    }
                    if (call.Grants is { } notGranted) dockerHolds.Remove(notGranted);
                    figures.Resent++;
                }
            }
            figures.Cycles++;
            Assert.That(++cyclesOfThisStart, Is.LessThan(4),
                $"kill point {_armed} was not reached in 3 whole cycles (seed {seed})");
            Assert.That(StateInvariants.RecordFiles(Path.Combine(_box.State, "networks")), Is.Empty,
                $"a whole cycle leaves no network (seed {seed})");
        }

        // The last cycle ran unarmed; one more clean restart, then nothing may be left.
        _http?.Dispose();
        _service!.Stop();
        _service.Dispose();
        _service = null;
        _armed = null;
        await Start();
        _http?.Dispose();
        _service!.Stop();
        var leftLinks = _box.Links.ListLinks().Select(l => l.Name).Where(n => n is not ("lo" or "ext0" or "ext0peer"))
            .ToList();
        var leftRecords = new[] { "networks", "bridges", "pools" }.SelectMany(f =>
            StateInvariants.RecordFiles(Path.Combine(_box.State, f))).ToList();
        var leftovers = StateInvariants.LeftoverFiles(_box.State);
        TestContext.Progress.WriteLine(
            $"kill-point suite, shard {shard}: {kills.Values.Sum()} kills ({figures.KilledInCalls} in calls, " +
                $"{figures.KilledInStartUp} in start-up), " +
            $"{figures.Cycles} cycles, {figures.Starts} starts, {figures.Calls} calls answered, {figures.Resent} " +
                $"sent again after a kill, " +
            $"{figures.LandedUnanswered} grants that landed unanswered, {leftovers.Count} temporary files left, " +
                $"{clock.Elapsed.TotalSeconds:F1} s");
        TestContext.Progress.WriteLine($"kill-point suite, shard {shard}: kills per point: " +
            $"{string.Join(", ", kills.Select(k => $"{k.Key} {k.Value}"))}");
        Assert.That(leftLinks, Is.Empty, "no link is left");
        Assert.That(_box.Firewall.Rules(), Is.Empty, "no firewall rule is left");
        Assert.That(leftRecords, Is.Empty, "no record is left");
        Assert.That(leftovers, Is.Empty, "no temporary file is left");
        Assert.That(kills.Values.Min(), Is.GreaterThanOrEqualTo(KillsPerPoint), "every point was killed at many times");
    }

    private bool PoolHeld(SuiteNetwork net) => Pools().FirstOrDefault(p => p.Id == net.PoolId) is { Holders: > 0 };

    private bool AddressHeld(SuiteNetwork net) => Pools()
        .Any(p => p.Id == net.PoolId && p.Find(net.Address) is not null);

    private IReadOnlyList<AddressPool> Pools() => StateView.Read(_box.State, NullLogger.Instance).Pools;

    /// <summary>Polls until the service answers Plugin.Activate (true) or has died (false).</summary>
    private async Task<bool> Answers()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_service!.HasExited) return false;
            try
            {
                using var reply = await _http!.PostAsync("/Plugin.Activate", new StringContent("{}"));
                if (reply.IsSuccessStatusCode) return true;
            }
            catch (HttpRequestException)
            {
                // Not listening yet, or killed while starting.
            }
            await Task.Delay(5);
        }
        throw new AssertionException($"the service did not answer within 30 s; log:\n{_service!.Log}");
    }

    /// <summary>The status and reply, or no status when the service died before it answered.</summary>
    private async Task<(int? Status, string Reply)> Send(DockerCall call)
    {
        try
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(call.Body));
            using var reply = await _http!.PostAsync(call.Path, content);
            var text = await reply.Content.ReadAsStringAsync();
            if (reply.IsSuccessStatusCode) JsonDocument.Parse(text).Dispose();
            return ((int)reply.StatusCode, text);
        }
        catch (HttpRequestException) when (_service!.WaitKilled(TimeSpan.FromSeconds(5)) || _service.HasExited)
        {
            return (null, "");
        }
    }

    private sealed class Figures
    {
        public int Starts, Cycles, Calls, Resent, LandedUnanswered, KilledInCalls, KilledInStartUp;
    }
}
