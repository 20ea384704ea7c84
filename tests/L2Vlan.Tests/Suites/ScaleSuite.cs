using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using L2Vlan.Tests.Fakes;
using L2Vlan.Tests.Suites.Kill;
using L2Vlan.Tests.Suites.Scale;

namespace L2Vlan.Tests.Suites;

/// <summary>
/// The scale the design invites, under the limits of the shipped unit (<see cref="UnitLimits"/>: its LimitNOFILE with
/// prlimit, its WatchdogSec as systemd passes it): 4,094 networks over four subnets (four VLANs, so four bridges), most
/// of them one network per fixed address (--ip-range x/32, all sharing their subnet and its router), the others
/// a --ip-range /25 each, and 20,000 endpoints, all through the socket as Docker drives it (RequestPool, the gateway,
/// CreateNetwork; RequestAddress, CreateEndpoint; then DeleteEndpoint, ReleaseAddress, and the network's releases and
/// DeleteNetwork in both orders Docker uses). The service is tests/L2Vlan.KillHost (l2vlan serve's host with the
/// 802.1Q links stood in for) in a private network namespace: its bridges are real links; the endpoints are never
/// joined, so no veth is made (20,000 veths would take the kernel minutes; Join's links are the kill-point suite's and
/// the VM's). Then it is restarted at full size (start-up timed), everything is removed, and nothing may be left: no
/// state file, link, firewall rule or journal descriptor. Figures: calls per second, descriptors (peak), RSS,
/// start-up. Start-up at full size is a figure with its target, not a pass/fail (a shared machine's timing).
/// </summary>
[Category("Suite")]
public class ScaleSuite
{
    private const int Networks = 4094;
    private const int Endpoints = 20_000;
    private const int Subnets = 4;
    // Networks of a /25 range each take the endpoints that one address per network cannot.
    private const int RangedNetworks = 256;
    private const int Clients = 16;
    private const int Restarts = 3;
    // systemd's default soft limit, which about 1,000 pools used to exhaust: the journals the store keeps open, the
    // clients' connections, the pipes of the firewall calls in flight and the runtime's own stay well under it.
    private const int DescriptorBound = 1024;

    private ServiceSandbox _box = null!;
    private UnitLimits _limits = null!;
    private ServiceProcess? _service;
    private Socket? _notify;
    private readonly List<DateTime> _pets = [];
    private int _peakDescriptors;
    private string _peakKinds = "";

    private sealed record Net(string Id, string Subnet, string Range, int Vlan,
        List<(string Endpoint, string Address)> Endpoints)
    {
        public string PoolId { get; set; } = "";
        public string Gateway => Subnet.Replace("0.0/16", "0.1");
    }

    [SetUp]
    public void SetUp()
    {
        // The state on tmpfs where there is one: the suite is about counts, descriptors and time spent in the service,
        // not the disk's fsync rate (the IPAM bench measures that), and 60,000 synced writes would take most of its
        // time.
        _box = new ServiceSandbox(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "scale");
        _limits = UnitLimits.Read();
        // systemd's side of the watchdog: a datagram socket the service's WATCHDOG=1 pets arrive on.
        _notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _notify.Bind(new UnixDomainSocketEndPoint(Path.Combine(_box.Folder, "notify.sock")));
        _ = Task.Run(ReceivePets);
    }

    [TearDown]
    public void TearDown()
    {
        _service?.Dispose();
        _notify?.Dispose();
        _box.Dispose();
    }

    [Test]
    public async Task Thousands_of_fixed_address_networks_and_20000_endpoints_in_the_units_limits_leave_nothing_behind()
    {
        Assert.That(_limits.MemoryMax, Is.Null.Or.EqualTo("infinity"),
            $"{UnitLimits.UnitFile} sets MemoryMax: apply it here (a cgroup of the suite's own) before trusting the " +
                $"figures");
        TestContext.Progress.WriteLine($"scale suite: under {UnitLimits.UnitFile}: LimitNOFILE={_limits.OpenFiles} " +
            $"(applied: {OpenFiles}), WatchdogSec={_limits.Watchdog.TotalSeconds:0} s, " +
            $"MemoryMax={_limits.MemoryMax ?? "unset"}; service {ServiceProcess.Binary}");
        var networks = Layout();
        var clock = Stopwatch.StartNew();

        var (http, startMs) = await Start();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(() => SampleDescriptors(sampling.Token));
        var createCalls = await ForEach(networks, n => Create(http, n));
        var createSeconds = clock.Elapsed.TotalSeconds;
        var rssFull = Status("VmRSS");
        var peakRss = Status("VmHWM");
        Report($"made {networks.Count:N0} networks " +
            $"({networks.Count(n => n.Range.EndsWith("/32", StringComparison.Ordinal)):N0} of one fixed address), " +
            $"{networks.Sum(n => n.Endpoints.Count):N0} endpoints, {PoolFiles():N0} pool files: {createCalls:N0} " +
                $"calls in {createSeconds:0.0} s " +
            $"({createCalls / createSeconds:N0} calls/s); RSS {rssFull / 1024.0:0.0} MiB, peak " +
                $"{peakRss / 1024.0:0.0} MiB; start-up empty {startMs:0} ms");
        Assert.That(networks.Sum(n => n.Endpoints.Count), Is.EqualTo(Endpoints));
        Assert.That(Directory.GetFiles(Path.Combine(_box.State, "networks"), "*.json"), Has.Length.EqualTo(Networks));
        Assert.That(Directory.GetFiles(Path.Combine(_box.State, "bridges"), "*.json"), Has.Length.EqualTo(Subnets),
            "one bridge per VLAN");

        http.Dispose();
        var starts = new List<double>();
        for (var i = 0; i < Restarts; i++)
        {
            _service!.Stop();
            (http, var ms) = await Start();
            starts.Add(ms);
            if (i < Restarts - 1) http.Dispose();
        }
        starts.Sort();
        var startFull = starts[starts.Count / 2];
        var rssRestarted = Status("VmRSS");
        Report($"restarted at full size {Restarts} times: {string.Join(", ", starts.Select(s => $"{s:0}"))} ms, " +
            $"median {startFull:0} ms; RSS after start {rssRestarted / 1024.0:0.0} MiB");

        var removal = Stopwatch.StartNew();
        var removeCalls = await ForEach(networks, n => Remove(http, n));
        Report($"removed everything: {removeCalls:N0} calls in {removal.Elapsed.TotalSeconds:0.0} s " +
            $"({removeCalls / removal.Elapsed.TotalSeconds:N0} calls/s)");
        http.Dispose();

        await sampling.CancelAsync();
        await sampler;
        var descriptorsAfter = Descriptors(_service!.Id);
        var journalsOpen = JournalDescriptors(_service.Id);
        var longestGap = LongestPetGap();
        Report($"descriptors: peak {_peakDescriptors} ({_peakKinds}; bound {DescriptorBound}, limit {OpenFiles}), " +
            $"after removal {descriptorsAfter} ({DescriptorKinds(_service.Id)}), journals open {journalsOpen}; " +
            $"watchdog pets {_pets.Count}, longest gap {longestGap.TotalSeconds:0.0} s of " +
                $"{_limits.Watchdog.TotalSeconds:0} s; whole suite {clock.Elapsed.TotalSeconds:0} s");
        Console.WriteLine($"BENCH|scale|start to ready, {Networks:N0} networks + {Endpoints:N0} endpoints, under the " +
            $"unit's limits|{startFull:0.0} ms|" +
            $"same, empty state|{startMs:0.0} ms|{startFull / startMs:0.00}x|<= 500 " +
                $"ms|{(startFull <= 500 ? "met" : "NOT met")}");

        Assert.That(Directory.GetFiles(_box.State, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/quarantine", StringComparison.Ordinal) && Path.GetFileName(f) != "serve.lock"),
                Is.Empty,
            "no state file left (but the running service's lock)");
        Assert.That(journalsOpen, Is.Zero, "no journal descriptor left");
        Assert.That(_peakDescriptors, Is.LessThanOrEqualTo(DescriptorBound),
            "open descriptors bounded, whatever the number of pools");
        Assert.That(_box.Links.ListLinks().Select(l => l.Name), Is.EquivalentTo(new[] { "lo", "ext0", "ext0peer" }),
            "no link left");
        Assert.That(_box.Firewall.Rules(), Is.Empty, "no firewall rule left");
        if (_limits.Watchdog > TimeSpan.Zero)
            Assert.That(longestGap, Is.LessThan(_limits.Watchdog), "systemd's watchdog would have killed the service");
        Assert.That(_service.HasExited, Is.False, $"the service ended; log:\n{_service.Log}");
    }

    /// <summary>
    /// Four /16 subnets, one VLAN each. Per subnet, its share of the networks of a /25 range (from 10.x.16.0 on), the
    /// rest one fixed address each (from 10.x.0.2 on). Each fixed-address network gets one endpoint, the ranged ones
    /// the rest.
    /// </summary>
    private static List<Net> Layout()
    {
        var networks = new List<Net>();
        for (var i = 0; i < Networks; i++)
        {
            var subnet = i % Subnets;
            var nth = i / Subnets;
            var prefix = $"10.{60 + subnet}";
            var ranged = nth < RangedNetworks / Subnets;
            var range = ranged
                ? $"{prefix}.{16 + nth / 2}.{nth % 2 * 128}/25"
                : $"{prefix}.{(nth + 2) / 256}.{(nth + 2) % 256}/32";
            networks.Add(new Net($"{i:x8}{new string('a', 56)}", $"{prefix}.0.0/16", range, 3100 + subnet, []));
        }
        var fixedOnes = networks.Where(n => n.Range.EndsWith("/32", StringComparison.Ordinal)).ToList();
        var ranges = networks.Except(fixedOnes).ToList();
        var left = Endpoints - fixedOnes.Count;
        var next = 0;
        string EndpointId() => $"{next++:x8}{new string('e', 56)}";
        foreach (var n in fixedOnes) n.Endpoints.Add((EndpointId(), ""));
        for (var k = 0; k < ranges.Count; k++)
        {
            var count = left / (ranges.Count - k);
            left -= count;
            for (var e = 0; e < count; e++) ranges[k].Endpoints.Add((EndpointId(), ""));
        }
        return networks;
    }

    /// <summary>`docker network create` then a container per endpoint: the calls Docker sends; returns their
    /// number.</summary>
    private static async Task<int> Create(HttpClient http, Net n)
    {
        var pool = await Call(http, "/IpamDriver.RequestPool",
            new { AddressSpace = "LocalDefault", Pool = n.Subnet, SubPool = n.Range, Options = new { }, V6 = false });
        n.PoolId = pool.GetProperty("PoolID").GetString()!;
        var gateway = await Call(http, "/IpamDriver.RequestAddress", new
        {
            PoolID = n.PoolId,
            Address = n.Gateway,
            Options = new Dictionary<string, string> { ["RequestAddressType"] = "com.docker.network.gateway" },
        });
        var gatewayAddress = gateway.GetProperty("Address").GetString();
        await Call(http, "/NetworkDriver.CreateNetwork", new
        {
            NetworkID = n.Id,
            Options = new Dictionary<string, object>
            {
                ["com.docker.network.enable_ipv6"] = false,
                ["com.docker.network.generic"] = new Dictionary<string, string>
                {
                    ["vlan_id"] = $"{n.Vlan}",
                    ["ext_if"] = "ext0",
                },
            },
            IPv4Data = new[] { new { AddressSpace = "LocalDefault", Pool = n.Subnet, Gateway = gatewayAddress } },
            IPv6Data = Array.Empty<object>(),
        });
        for (var i = 0; i < n.Endpoints.Count; i++)
        {
            var reply = await Call(http, "/IpamDriver.RequestAddress",
                new { PoolID = n.PoolId, Address = "", Options = new { } });
            var address = reply.GetProperty("Address").GetString()!;
            await Call(http, "/NetworkDriver.CreateEndpoint", new
            {
                NetworkID = n.Id,
                EndpointID = n.Endpoints[i].Endpoint,
                Interface = new { Address = address, AddressIPv6 = "", MacAddress = "" },
                Options = new { },
            });
            n.Endpoints[i] = (n.Endpoints[i].Endpoint, address.Split('/')[0]);
        }
        return 3 + 2 * n.Endpoints.Count;
    }

    /// <summary>The containers stopped, then `docker network rm`: half the networks in Docker 20.10's order (the pool
    /// released first).</summary>
    private static async Task<int> Remove(HttpClient http, Net n)
    {
        foreach (var (endpoint, address) in n.Endpoints)
        {
            await Call(http, "/NetworkDriver.DeleteEndpoint", new { NetworkID = n.Id, EndpointID = endpoint });
            await Call(http, "/IpamDriver.ReleaseAddress", new { PoolID = n.PoolId, Address = address });
        }
        var releaseFirst = n.Id[7] % 2 == 0;
        if (!releaseFirst) await Call(http, "/NetworkDriver.DeleteNetwork", new { NetworkID = n.Id });
        await Call(http, "/IpamDriver.ReleaseAddress", new { PoolID = n.PoolId, Address = n.Gateway });
        await Call(http, "/IpamDriver.ReleasePool", new { PoolID = n.PoolId });
        if (releaseFirst) await Call(http, "/NetworkDriver.DeleteNetwork", new { NetworkID = n.Id });
        return 3 + 2 * n.Endpoints.Count;
    }

    private static async Task<JsonElement> Call(HttpClient http, string path, object body)
    {
        using var content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var reply = await http.PostAsync(path, content);
        var text = await reply.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        if (json.RootElement.TryGetProperty("Err", out var err) && err.GetString() is { Length: > 0 } message)
            Assert.Fail($"{path} {JsonSerializer.Serialize(body)} answered: {message}");
        return json.RootElement.Clone();
    }

    /// <summary>Runs <paramref name="work"/> for every network, <see cref="Clients"/> at a time, as Docker's concurrent
    /// calls; the calls made.</summary>
    private static async Task<int> ForEach(List<Net> networks, Func<Net, Task<int>> work)
    {
        var next = -1;
        var calls = 0;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < networks.Count; i = Interlocked.Increment(ref next))
                Interlocked.Add(ref calls, await work(networks[i]));
        })));
        return calls;
    }

    /// <summary>Starts the service under the unit's limits; its client and the milliseconds from exec to the first
    /// answer.</summary>
    /// <summary>
    /// The unit's LimitNOFILE, or lower where this process's hard limit is (a container may cap it, and only
    /// CAP_SYS_RESOURCE raises it): a lower limit is the stricter test, and the descriptors' peak is printed beside it.
    /// </summary>
    private int OpenFiles => Math.Min(_limits.OpenFiles, HardOpenFiles());

    private static int HardOpenFiles()
    {
        var fields = File.ReadLines("/proc/self/limits")
            .First(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields[4] == "unlimited" ? int.MaxValue
            : int.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<(HttpClient Http, double Ms)> Start()
    {
        var clock = Stopwatch.StartNew();
        var environment = new Dictionary<string, string>();
        if (_limits.Watchdog > TimeSpan.Zero)
        {
            environment["NOTIFY_SOCKET"] = Path.Combine(_box.Folder, "notify.sock");
            environment["WATCHDOG_USEC"] = $"{(long)_limits.Watchdog.TotalMicroseconds}";
        }
        var netns = $"/proc/{Environment.ProcessId}/fd/{_box.Namespace.Handle.DangerousGetHandle()}";
        _service = ServiceProcess.Start(netns, _box.Socket, _box.State, _box.Firewall.Folder, null,
            ["prlimit", $"--nofile={OpenFiles}:{OpenFiles}", "--"], environment);
        var http = FakeKernelHost.Client(_box.Socket, Clients);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.That(_service.HasExited, Is.False, $"the service exited while starting; log:\n{_service.Log}");
            try
            {
                using var reply = await http.PostAsync("/Plugin.Activate", new StringContent("{}"));
                if (reply.IsSuccessStatusCode)
                {
                    var ms = clock.Elapsed.TotalMilliseconds;
                    var limit = File.ReadLines($"/proc/{_service.Id}/limits")
                        .First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
                    Assert.That(limit, Does.Contain($" {OpenFiles} "), "the service runs under the unit's LimitNOFILE");
                    lock (_pets) _pets.Add(DateTime.UtcNow);
                    return (http, ms);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(2);
        }
        Assert.Fail($"the service did not answer within 60 s; log:\n{_service.Log}");
        return default;
    }

    private void SampleDescriptors(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (_service is { HasExited: false } service)
            {
                try
                {
                    var now = Descriptors(service.Id);
                    if (now > _peakDescriptors) (_peakDescriptors, _peakKinds) = (now, DescriptorKinds(service.Id));
                }
                catch (DirectoryNotFoundException)
                {
                    // Restarting.
                }
            }
            Thread.Sleep(20);
        }
    }

    private static int Descriptors(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    private int JournalDescriptors(int pid) =>
        new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos()
            .Count(fd =>
                fd.LinkTarget?.StartsWith(Path.Combine(_box.State, "pools"), StringComparison.Ordinal) == true);

    /// <summary>What the descriptors are: counts by kind (socket, pipe, anon_inode, a folder of the state, another
    /// file).</summary>
    private string DescriptorKinds(int pid) =>
        string.Join(", ", new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos()
            .Select(fd => fd.LinkTarget ?? "?")
            .Select(t => t.StartsWith(_box.State, StringComparison.Ordinal)
                ? Path.GetDirectoryName(t)![_box.State.Length..] is { Length: > 0 } d ? "state" + d : "state"
                : t.Contains(':') ? t[..t.IndexOf(':')] : "file")
            .GroupBy(k => k).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));

    private int PoolFiles() => Directory.GetFiles(Path.Combine(_box.State, "pools")).Length;

    /// <summary>A field of /proc/PID/status in KiB.</summary>
    private long Status(string field) =>
        long.Parse(File.ReadLines($"/proc/{_service!.Id}/status")
            .First(l => l.StartsWith(field + ":", StringComparison.Ordinal))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            System.Globalization.CultureInfo.InvariantCulture);

    private void ReceivePets()
    {
        var buffer = new byte[512];
        try
        {
            while (true)
            {
                var read = _notify!.Receive(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, read).Split('\n').Contains("WATCHDOG=1"))
                    lock (_pets) _pets.Add(DateTime.UtcNow);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed at the end.
        }
    }

    /// <summary>The longest time without a pet, from the first answer to now (a restart's first answer counts as a pet:
    /// systemd re-arms on start).</summary>
    private TimeSpan LongestPetGap()
    {
        lock (_pets)
        {
            var times = _pets.Append(DateTime.UtcNow).Order().ToList();
            return times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.Zero).Max();
        }
    }

    private static void Report(string line) => TestContext.Progress.WriteLine("scale suite: " + line);
}
