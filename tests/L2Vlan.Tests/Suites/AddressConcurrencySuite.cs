using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Suites;

/// <summary>
/// Many Docker daemons' worth of address requests at once: 64 clients request and release addresses
/// of one subnet on the real unix socket of a running service, which is stopped and started again on
/// the same state between rounds. The claim: no address is ever held by two clients, and what the
/// pool file says is held is exactly what the clients hold. Only the kernel and firewall are faked;
/// IPAM calls touch neither. L2VLAN_SUITE_SEED replays a run; the seed is printed.
/// </summary>
[Category("Suite")]
public class AddressConcurrencySuite
{
    private const int Clients = 64;
    private const int RequestsPerClient = 1000;
    private const int Rounds = 4;
    private const string Gateway = "10.20.0.1";

    private InProcessService _service = null!;

    [SetUp]
    public void SetUp() => _service = new InProcessService(Path.GetTempPath(), "concurrency", [], LogLevel.Error);

    [TearDown]
    public async Task TearDown() => await _service.DisposeAsync();

    [Test]
    public async Task No_address_is_ever_held_twice_across_64_clients_and_restarts()
    {
        var seed = SuiteSeed.Announce("concurrency suite");
        await _service.StartAsync();
        // A client per service run: connections to a stopped service are not reused.
        var http = FakeKernelHost.Client(_service.Socket, Clients);

        var poolId = (await Call(http, "/IpamDriver.RequestPool",
            """{"AddressSpace": "l2vlan", "Pool": "10.20.0.0/24", "SubPool": "", "Options": null, "V6": false}"""))
            .Reply!.Value.GetProperty("PoolID").GetString()!;
        var gateway = await Call(http, "/IpamDriver.RequestAddress", $$$"""
            {"PoolID": "{{{poolId}}}", "Address": "{{{Gateway}}}",
             "Options": {"RequestAddressType": "com.docker.network.gateway"}}
            """);
        Assert.That(gateway.Status, Is.EqualTo(200));

        var owners = new ConcurrentDictionary<string, int>();
        var violations = new ConcurrentQueue<string>();
        var held = Enumerable.Range(0, Clients).Select(_ => new Queue<string>()).ToArray();
        var counts = new Counts();
        var clock = Stopwatch.StartNew();

        for (var round = 0; round < Rounds; round++)
        {
            var perClient = RequestsPerClient / Rounds;
            await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(() =>
                RunClient(http, poolId, c, new Random(HashCode.Combine(seed, round, c)), perClient, held[c], owners,
                    violations, counts))));

            // Between rounds the service goes down with addresses held, and a new one reads the files.
            http.Dispose();
            await _service.StopAsync();
            Assert.That(HeldOnDisk(), Is.EquivalentTo(owners.Keys),
                $"round {round}: the pool file holds exactly the clients' addresses (seed {seed})");
            await _service.StartAsync();
            http = FakeKernelHost.Client(_service.Socket, Clients);
        }

        foreach (var (queue, client) in held.Select((q, i) => (q, i)))
        {
            while (queue.TryDequeue(out var address))
                await Release(http, poolId, client, address, owners, violations, counts);
        }
        http.Dispose();
        await _service.StopAsync();
        Assert.That(HeldOnDisk(), Is.Empty, $"nothing is held once every client released (seed {seed})");
        Assert.That(OnDisk().Gateway?.ToString(), Is.EqualTo(Gateway), "the gateway is still recorded");

        TestContext.Progress.WriteLine(
            $"concurrency suite: {Clients} clients, {Rounds} rounds with a restart after each, {counts.Granted} " +
                $"addresses granted " +
            $"({counts.Static} asked by address), {counts.Refused} refused, {counts.Released} released, " +
            $"{clock.Elapsed.TotalSeconds:F1} s, " +
                $"{(counts.Granted + counts.Refused + counts.Released) / clock.Elapsed.TotalSeconds:F0} calls/s");
        Assert.That(violations, Is.Empty, $"seed {seed}");
        Assert.That(counts.Granted, Is.GreaterThanOrEqualTo(Clients * RequestsPerClient / 2),
            "most requests were granted");
    }

    private static async Task RunClient(HttpClient http, string poolId, int client, Random random, int requests,
        Queue<string> held, ConcurrentDictionary<string, int> owners, ConcurrentQueue<string> violations, Counts counts)
    {
        for (var i = 0; i < requests; i++)
        {
            // One in eight asks for an address by number, as `docker run --ip` does; it may be taken.
            var wanted = random.Next(8) == 0 ? $"10.20.0.{random.Next(2, 255)}" : "";
            var (status, reply) = await Call(http, "/IpamDriver.RequestAddress",
                $$"""{"PoolID": "{{poolId}}", "Address": "{{wanted}}", "Options": null}""");
            if (status != 200)
            {
                var err = reply?.GetProperty("Err").GetString() ?? "";
                if (wanted == "" || !err.Contains("already in use", StringComparison.Ordinal))
                    violations.Enqueue($"client {client}: RequestAddress '{wanted}' answered {status}: {err}");
                Interlocked.Increment(ref counts.Refused);
                continue;
            }
            var address = reply!.Value.GetProperty("Address").GetString()!.Split('/')[0];
            if (wanted != "" && address != wanted)
                violations.Enqueue($"client {client}: asked for {wanted}, got {address}");
            if (!owners.TryAdd(address, client))
                violations.Enqueue($"client {client} was given {address}, which client {owners[address]} holds");
            Interlocked.Increment(ref counts.Granted);
            if (wanted != "") Interlocked.Increment(ref counts.Static);
            held.Enqueue(address);
            // Each client keeps up to two addresses, so the pool is always well used and addresses change hands.
            if (held.Count > 2) await Release(http, poolId, client, held.Dequeue(), owners, violations, counts);
        }
    }

    private static async Task Release(HttpClient http, string poolId, int client, string address,
        ConcurrentDictionary<string, int> owners, ConcurrentQueue<string> violations, Counts counts)
    {
        // Given up before the call: once released, another client may be given it at once.
        owners.TryRemove(address, out _);
        var (status, reply) = await Call(http, "/IpamDriver.ReleaseAddress",
            $$"""{"PoolID": "{{poolId}}", "Address": "{{address}}"}""");
        if (status != 200) violations.Enqueue($"client {client}: ReleaseAddress {address} answered {status}: {reply}");
        Interlocked.Increment(ref counts.Released);
    }

    private AddressPool OnDisk() =>
        PoolStore.Peek(Path.Combine(_service.StateDirectory, "pools"), NullLogger.Instance).Single();

    private IEnumerable<string> HeldOnDisk() => OnDisk().Allocations.Select(a => a.Address.ToString());

    private static async Task<(int Status, JsonElement? Reply)> Call(HttpClient http, string path, string body)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        using var reply = await http.PostAsync(path, content);
        var text = await reply.Content.ReadAsStringAsync();
        return ((int)reply.StatusCode, text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone());
    }


    private sealed class Counts
    {
        public int Granted, Static, Refused, Released;
    }
}
