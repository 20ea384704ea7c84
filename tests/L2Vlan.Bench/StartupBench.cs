using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using L2Vlan.Domain;
using L2Vlan.State;

namespace L2Vlan.Bench;

/// <summary>
/// What this measures: start to socket-ready, recovery included, with a big state on record, and its growth from 10 to
/// 4,094 networks (one per VLAN, about 4.9 endpoints each: 20,000 at 4,094). The state is written with l2vlan's own
/// record types. The service is started twice per size: the first start makes the links (not measured), then the
/// restarts are timed with the bridges and VLAN links in place, as after a service restart or an upgrade. The
/// endpoints' veths are absent, as after a reboot before Docker restarts the containers (20,000 veths would take the
/// kernel minutes to make and delete).
/// Must run as root in a network namespace of its own (`unshare -n`): it makes a NIC (a veth: this kernel may lack
/// dummy) and thousands of links.
/// </summary>
internal static class StartupBench
{
    private const int Vlans = 4094;
    private const int EndpointsAtFull = 20_000;
    private const string Nic = "bench0";
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan FirstStartLimit = TimeSpan.FromMinutes(10);

    public static int Run(string[] args)
    {
        var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
        if (positional.Count != 1)
        {
            Console.Error.WriteLine("usage: startup SERVICE [--short]   (SERVICE: out/killhost/L2Vlan.KillHost, run " +
                "under unshare -n)");
            return 2;
        }
        var service = Path.GetFullPath(positional[0]);
        var isShort = args.Contains("--short");
        if (Ip("-o link show").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length != 1)
        {
            Console.Error.WriteLine("startup: this network namespace has links besides lo; run under `unshare -n`");
            return 2;
        }
        Ip("link set lo up");
        Ip($"link add {Nic} type veth peer name {Nic}p");
        Ip($"link set {Nic} up");

        int[] sizes = isShort ? [10, 1000] : [10, 100, 1000, Vlans];
        var runs = isShort ? 3 : 5;
        var work = Directory.CreateTempSubdirectory("l2vlan-bench-startup.");
        try
        {
            var results = new List<(int Networks, int Endpoints, double Ms, double FirstMs)>();
            var rulesMade = 0;
            foreach (var networks in sizes)
            {
                var state = Path.Combine(work.FullName, $"state-{networks}");
                var endpoints = WriteState(state, networks);
                var socket = Path.Combine(work.FullName, "l2vlan.sock");
                AddFirewallRules(rulesMade + 1, networks);
                rulesMade = networks;
                var first = StartToReady(service, socket, state, FirstStartLimit);
                var times = Enumerable.Range(0, runs).Select(_ => StartToReady(service, socket, state, ReadyLimit))
                    .Order().ToList();
                var median = times[times.Count / 2];
                Console.WriteLine($"# {networks,5} networks, {endpoints,6} endpoints: first start (makes the links) " +
                    $"{first:0} ms; restarts {string.Join(", ", times.Select(t => t.ToString("0.0")))} ms, median " +
                        $"{median:0.0} ms");
                results.Add((networks, endpoints, median, first));
            }
            var suffix = isShort ? " (short)" : "";
            var (baseNetworks, _, baseMs, _) = results[0];
            foreach (var (networks, endpoints, ms, _) in results.Skip(1))
            {
                var figure = $"start to ready, {networks:N0} networks + {endpoints:N0} endpoints{suffix}";
                var ratio = $"{ms / baseMs:0.00}x";
                var baseline = $"same, {baseNetworks} networks";
                // The target is the largest size's; the others show the growth.
                var (target, met) = networks == Vlans ? ("<= 500 ms", ms <= 500 ? "met" : "NOT met") : ("-", "-");
                Console.WriteLine($"BENCH|4|{figure}|{ms:0.0} ms|{baseline}|{baseMs:0.0} ms|{ratio}|{target}|{met}");
            }
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Milliseconds from exec to the first answer to Plugin.Activate; the process is killed after.</summary>
    private static double StartToReady(string service, string socket, string state, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo(service)
        {
            ArgumentList = { socket, state },
            RedirectStandardOutput = true,
        })
            ?? throw new InvalidOperationException($"could not start {service}");
        // Its log is read (and dropped) so that a full pipe never blocks it.
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        try
        {
            while (!Activated(socket))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{service} exited with {process.ExitCode} before it was " +
                        $"ready");
                }
                if (clock.Elapsed > limit)
                    throw new TimeoutException($"{service} not ready within {limit.TotalSeconds} s");
                Thread.Sleep(1);
            }
            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    private static readonly byte[] ActivateRequest = Encoding.ASCII.GetBytes(
        "POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\nContent-Length: 0\r\n\r\n");

    private static bool Activated(string path)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send(ActivateRequest);
            var buffer = new byte[4096];
            var read = socket.Receive(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("HTTP/1.1 200", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Writes the records of <paramref name="networks"/> networks as l2vlan does; returns the number of
    /// endpoints.</summary>
    private static int WriteState(string state, int networks)
    {
        var endpointsLeft = (int)Math.Round((double)EndpointsAtFull * networks / Vlans);
        var total = endpointsLeft;
        var next = 0;
        for (var vlan = 1; vlan <= networks; vlan++)
        {
            // Spread evenly: what is left over the networks left.
            var count = endpointsLeft / (networks - vlan + 1);
            endpointsLeft -= count;
            var subnet = new Cidr(IPAddress.Parse($"10.{vlan >> 8}.{vlan & 255}.0"), 24);
            var gateway = HostAddress(subnet, 1);
            var endpoints = new Dictionary<string, EndpointRecord>();
            var allocations = new List<Allocation>();
            for (var i = 0; i < count; i++, next++)
            {
                var id = $"{next:x11}{new string('e', 53)}";
                var address = HostAddress(subnet, 2 + i);
                endpoints[id] = new EndpointRecord
                {
                    EndpointId = id,
                    Address = new InterfaceAddress(address, 24),
                    MacAddress = new PhysicalAddress([0x02, 0x6c, .. address.GetAddressBytes()]),
                    HostVeth = "l2v" + id[..11],
                    ContainerVeth = "l2c" + id[..11],
                };
                allocations.Add(new Allocation(address, AllocationKind.Requested));
            }
            var networkId = $"{vlan:x8}{new string('n', 56)}";
            var bridge = $"vlan{vlan}";
            Write(state, "networks", networkId, new NetworkRecord
            {
                NetworkId = networkId,
                BridgeName = bridge,
                ExtIf = Nic,
                VlanId = vlan,
                Subnets = [new SubnetRecord(subnet, new InterfaceAddress(gateway, 24))],
                Options = new() { ["vlan_id"] = $"{vlan}", ["ext_if"] = Nic },
                Endpoints = endpoints,
            }, StateJsonContext.Default.NetworkRecord);
            Write(state, "bridges", bridge, new BridgeRecord
            {
                Name = bridge,
                ExtIf = Nic,
                VlanId = vlan,
                VlanLink = $"{Nic}.{vlan}",
                CreatedBridge = true,
                CreatedVlanLink = true,
                FirewallAccept = true,
            }, StateJsonContext.Default.BridgeRecord);
            var poolId = AddressPool.MakeId(subnet, null);
            var pool = new AddressPool { Id = poolId, Subnet = subnet, Gateway = gateway };
            foreach (var allocation in allocations) pool.Allocations.Add(allocation);
            Write(state, "pools", AddressPool.FileKey(poolId), pool, StateJsonContext.Default.AddressPool);
        }
        return total;
    }

    private static IPAddress HostAddress(Cidr subnet, int n)
    {
        var bytes = subnet.Network.GetAddressBytes();
        bytes[3] = (byte)n;
        return new IPAddress(bytes);
    }

    // No fsync: the files only need to be there for the starts that follow.
    private static void Write<T>(string state, string folder, string key, T record,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var directory = Path.Combine(state, folder);
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, key + ".json"), JsonSerializer.SerializeToUtf8Bytes(record, type));
    }

    /// <summary>
    /// The accept rules of VLANs <paramref name="from"/> to <paramref name="to"/>, as l2vlan adds them, in one
    /// iptables-restore per tool: the measured restarts find them in place either way, and the first start would
    /// otherwise spend minutes adding them one iptables call at a time. A host without the tool is left as it is.
    /// </summary>
    private static void AddFirewallRules(int from, int to)
    {
        var rules = new StringBuilder("*filter\n");
        for (var vlan = from; vlan <= to; vlan++)
        {
            rules.Append($"-I FORWARD -i vlan{vlan} -o vlan{vlan} -m comment --comment \"l2vlan bridge vlan{vlan}\" " +
                $"-j ACCEPT\n");
        }
        rules.Append("COMMIT\n");
        foreach (var tool in new[] { "iptables-restore", "ip6tables-restore" })
        {
            Process restore;
            try
            {
                restore = Process.Start(new ProcessStartInfo(tool)
                {
                    ArgumentList = { "-w", "5", "--noflush" },
                    RedirectStandardInput = true,
                })!;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                Console.WriteLine($"# {tool} is not installed: the service finds no firewall either");
                continue;
            }
            using (restore)
            {
                restore.StandardInput.Write(rules.ToString());
                restore.StandardInput.Close();
                restore.WaitForExit();
                if (restore.ExitCode != 0)
                    throw new InvalidOperationException($"{tool} failed with {restore.ExitCode}");
            }
        }
    }

    /// <summary>The bench's own set-up of its namespace; l2vlan itself never runs ip.</summary>
    private static string Ip(string arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true };
        foreach (var a in arguments.Split(' ')) start.ArgumentList.Add(a);
        using var ip = Process.Start(start) ?? throw new InvalidOperationException("could not run ip");
        var output = ip.StandardOutput.ReadToEnd();
        ip.WaitForExit();
        if (ip.ExitCode != 0) throw new InvalidOperationException($"ip {arguments} failed with {ip.ExitCode}");
        return output;
    }
}
