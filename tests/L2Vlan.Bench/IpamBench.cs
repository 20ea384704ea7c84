using System.Diagnostics;
using System.Globalization;

namespace L2Vlan.Bench;

/// <summary>
/// What this measures: an IPAM request costs the same whatever the pools hold, and durable answers come as fast as
/// the disk allows. Drives the built service over its socket as Docker would (RequestPool once, then
/// RequestAddress/ReleaseAddress pairs) and prints: the p50 of one request at 100 held and at 50,000 held (a /16
/// filled by 32 clients), the throughput of 32 clients and of 1 client, against a bare loop of "write 100 bytes +
/// fsync" on a file in the same folder as the state, measured in the same run. --short: 1,000 held and fewer
/// requests, for make test. --held N measures at N instead (for a build too slow to fill 50,000).
/// </summary>
public static class IpamBench
{
    private const string Pool = "10.200.0.0/16";

    private sealed record Settings(string Binary, bool Short, int Held, int Pairs, int ThroughputRequests, int Syncs);

    public static async Task<int> Run(string[] args)
    {
        var isShort = args.Contains("--short");
        string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var binary = Path.GetFullPath(Option("--binary") ?? "out/l2vlan");
        var held = Option("--held") is { } h ? int.Parse(h, CultureInfo.InvariantCulture) : isShort ? 1_000 : 50_000;
        var settings = isShort
            ? new Settings(binary, true, held, 300, 3_000, 500)
            : new Settings(binary, false, held, 2_000, 20_000, 2_000);
        if (!File.Exists(binary))
        {
            await Console.Error.WriteLineAsync($"ipam bench: no service binary at {binary} (make build makes it; " +
                $"--binary PATH)");
            return 1;
        }
        var clock = Stopwatch.StartNew();
        await using var service = await ServiceUnderTest.Start(binary, "/var/tmp");
        var pool = (await service.Call("/IpamDriver.RequestPool",
            $$$"""{"AddressSpace":"LocalDefault","Pool":"{{{Pool}}}","SubPool":"","Options":{},"V6":false}"""))
            .GetProperty("PoolID").GetString()!;

        await Fill(service, pool, 100);
        // Warm-up (connections, a JIT build's compiling), measured by nobody.
        await OneClient(service, pool, settings.Pairs / 4);
        var (p50Small, oneClient) = await OneClient(service, pool, settings.Pairs);
        Console.WriteLine($"at 100 held: p50 {BenchRow.Number(p50Small, 3)} ms, 1 client " +
            $"{BenchRow.Number(oneClient, 0)} requests/s");

        var filling = Stopwatch.StartNew();
        await Fill(service, pool, settings.Held - 100);
        Console.WriteLine($"filled to {settings.Held:N0} held in {filling.Elapsed.TotalSeconds:F1} s");
        var (p50Big, oneClientBig) = await OneClient(service, pool, settings.Pairs);
        Console.WriteLine($"at {settings.Held:N0} held: p50 {BenchRow.Number(p50Big, 3)} ms, 1 client " +
            $"{BenchRow.Number(oneClientBig, 0)} requests/s");
        // The disk's sync rate drifts (other work on the machine): the floor is measured right before the clients run.
        var fsync = FsyncLoop(service.Folder, settings.Syncs);
        Console.WriteLine($"write 100 B + fsync loop in {service.Folder}: {BenchRow.Number(fsync, 0)} per s");
        var manyClients = await Clients(service, pool, 32, settings.ThroughputRequests);
        Console.WriteLine($"at {settings.Held:N0} held: 32 clients {BenchRow.Number(manyClients, 0)} requests/s; " +
            $"whole bench {clock.Elapsed.TotalSeconds:F1} s");

        var suffix = settings.Short ? " (short)" : "";
        BenchRow.Print(1, $"IPAM request p50 at {settings.Held:N0} held{suffix}", p50Big, "ms", "same at 100 held",
            p50Small, 3, most: 1.5);
        BenchRow.Print(1, $"IPAM throughput 32 clients at {settings.Held:N0} held{suffix}", manyClients, "req/s",
            "write 100 B + fsync loop", fsync, 0, least: 0.9);
        BenchRow.Print(1, $"IPAM throughput 1 client at 100 held{suffix}", oneClient, "req/s",
            "write 100 B + fsync loop", fsync, 0);
        return 0;
    }

    /// <summary>Requests <paramref name="count"/> more addresses, with 32 clients.</summary>
    private static async Task Fill(ServiceUnderTest service, string pool, int count)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= count) await RequestAddress(service, pool);
        }));
    }

    /// <summary>One client: RequestAddress + ReleaseAddress pairs, each request timed; the p50 in ms and the requests
    /// per second.</summary>
    private static async Task<(double P50, double PerSecond)> OneClient(ServiceUnderTest service, string pool,
        int pairs)
    {
        var times = new List<double>(pairs * 2);
        var whole = Stopwatch.StartNew();
        for (var i = 0; i < pairs; i++)
        {
            var one = Stopwatch.StartNew();
            var address = await RequestAddress(service, pool);
            times.Add(one.Elapsed.TotalMilliseconds);
            one.Restart();
            await ReleaseAddress(service, pool, address);
            times.Add(one.Elapsed.TotalMilliseconds);
        }
        var perSecond = times.Count / whole.Elapsed.TotalSeconds;
        var requests = times.Where((_, i) => i % 2 == 0).Order().ToList();
        var releases = times.Where((_, i) => i % 2 == 1).Order().ToList();
        Console.WriteLine($"  RequestAddress p50 {BenchRow.Number(requests[requests.Count / 2], 3)} ms, p99 " +
            $"{BenchRow.Number(requests[requests.Count * 99 / 100], 3)} ms; " +
            $"ReleaseAddress p50 {BenchRow.Number(releases[releases.Count / 2], 3)} ms, p99 " +
                $"{BenchRow.Number(releases[releases.Count * 99 / 100], 3)} ms");
        times.Sort();
        return (times[times.Count / 2], perSecond);
    }

    /// <summary><paramref name="clients"/> clients, each sending pairs in turn; requests per second over all of
    /// them.</summary>
    private static async Task<double> Clients(ServiceUnderTest service, string pool, int clients, int requests)
    {
        var next = 0;
        var whole = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Interlocked.Add(ref next, 2) <= requests)
                await ReleaseAddress(service, pool, await RequestAddress(service, pool));
        }));
        return requests / whole.Elapsed.TotalSeconds;
    }

    private static async Task<string> RequestAddress(ServiceUnderTest service, string pool)
    {
        var reply = await service.Call("/IpamDriver.RequestAddress",
            $$$"""{"PoolID":"{{{pool}}}","Address":"","Options":{}}""");
        var cidr = reply.GetProperty("Address").GetString()!;
        return cidr[..cidr.IndexOf('/')];
    }

    private static Task ReleaseAddress(ServiceUnderTest service, string pool, string address) =>
        service.Call("/IpamDriver.ReleaseAddress", $$"""{"PoolID":"{{pool}}","Address":"{{address}}"}""");

    /// <summary>The physical floor of a durable answer: write 100 bytes to a file and fsync it, in one thread; per
    /// second.</summary>
    private static double FsyncLoop(string folder, int count)
    {
        var path = Path.Combine(folder, "fsync-loop");
        var record = new byte[100];
        var whole = Stopwatch.StartNew();
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1))
        {
            for (var i = 0; i < count; i++)
            {
                file.Write(record);
                file.Flush(flushToDisk: true);
            }
        }
        var perSecond = count / whole.Elapsed.TotalSeconds;
        File.Delete(path);
        return perSecond;
    }
}
