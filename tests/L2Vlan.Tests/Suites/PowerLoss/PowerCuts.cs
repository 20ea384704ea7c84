using System.Net;
using System.Security.Cryptography;
using System.Text;
using L2Vlan.Faults;
using L2Vlan.Protocol;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;
using L2Vlan.Tests.Suites.Kill;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Suites.PowerLoss;

/// <summary>What a power cut at one kill point would leave: the durable files, and the addresses Docker held
/// then.</summary>
internal sealed record PowerCut(string Point, string During, Dictionary<string, byte[]> Files,
    IReadOnlyList<IPAddress> DockerHolds);

/// <summary>
/// Runs Docker's calls against an in-process service whose state folder is on a <see cref="PowerLossDisk"/>, and at
/// every kill point it reaches keeps what a power cut there would leave (<see cref="PowerCut"/>).
/// <see cref="Problems"/>
/// then starts a fresh service on each such folder, over a kernel that lost every link as a rebooted host has, and
/// checks what the kill-point suite checks of the state: every file loads, no pool holds an address that no record,
/// aux address or Docker holds, every address a record names is held, no bridge record is left without a network.
/// </summary>
internal sealed class PowerCuts : IDisposable
{
    public const string Nic = "ext0";

    private readonly PowerLossDisk _disk;
    private readonly PluginDispatcher _dispatcher;
    private readonly Lock _gate = new();
    private string _during = "start";

    public TestState State { get; }
    public List<PowerCut> Cuts { get; } = [];
    public HashSet<IPAddress> DockerHolds { get; } = [];

    /// <param name="compactEarly">Journals compact after a few records (<see cref="KillPoints.CompactEarly"/>), as in
    /// the kill-point suite; else they grow, and every change waits for its journal's sync, as in the service.</param>
    public PowerCuts(bool compactEarly)
    {
        KillPoints.CompactEarly = compactEarly;
        State = TestState.WithNics(Nic);
        _disk = new PowerLossDisk(State.Directory);
        _dispatcher = new PluginDispatcher(State.Driver, State.IpamService, new RunningCalls(TimeProvider.System),
            NullLogger<PluginDispatcher>.Instance);
        KillPoints.Observer = Reached;
    }

    private void Reached(string point)
    {
        var files = _disk.AfterPowerLoss();
        lock (_gate) Cuts.Add(new PowerCut(point, _during, files, [.. DockerHolds]));
    }

    /// <summary>Sends the call as Docker does; an address it grants is Docker's from the moment it is sent.</summary>
    public void Send(DockerCall call)
    {
        lock (_gate)
        {
            _during = $"{call.Path} {call.Body}";
            if (call.Grants is { } granted) DockerHolds.Add(granted);
        }
        var reply = _dispatcher.Handle(call.Path, Encoding.UTF8.GetBytes(call.Body));
        if (reply.Status != 200)
        {
            throw new InvalidOperationException($"{call.Path} {call.Body} answered {reply.Status}: " +
                $"{Encoding.UTF8.GetString(reply.Body)}");
        }
        lock (_gate) call.Answered?.Invoke();
    }

    /// <summary>Runs <paramref name="action"/> as the call <paramref name="during"/> names.</summary>
    public void Do(string during, Action action)
    {
        lock (_gate) _during = during;
        action();
    }

    /// <summary>Docker forgets what it held: a killed dockerd, or a network it no longer knows.</summary>
    public void DockerLets(IPAddress address)
    {
        lock (_gate) DockerHolds.Remove(address);
    }

    /// <summary>The cut's files and Docker's holds, as one string: cuts that leave the same are checked once.</summary>
    public static string Fingerprint(PowerCut cut) =>
        string.Join("|", cut.Files.OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => $"{f.Key}:{Convert.ToHexString(SHA256.HashData(f.Value))}"))
        + "|" + string.Join(",", cut.DockerHolds.Select(a => a.ToString()).Order(StringComparer.Ordinal));

    public static List<string> Problems(PowerCut cut)
    {
        var folder = Path.Combine(Path.GetTempPath(), "l2vlan-power-cut-" + Guid.NewGuid().ToString("N"));
        foreach (var (path, content) in cut.Files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, path))!);
            File.WriteAllBytes(Path.Combine(folder, path), content);
        }
        var problems = new List<string>();
        try
        {
            using var state = TestState.OnFolder(folder, Nic);
            var view = StateView.Read(folder, NullLogger.Instance);
            problems.AddRange(view.QuarantinedFiles.Select(f =>
                $"state file moved to quarantine: {Path.GetFileName(f)}"));
            var endpoints = view.Networks.SelectMany(n => n.Endpoints.Values).ToList();
            var owned = endpoints.SelectMany(e => e.HeldAddresses())
                .Concat(view.Networks.SelectMany(n => n.AuxAddresses ?? []))
                .Concat(cut.DockerHolds).ToHashSet();
            var unowned = view.Pools
                .SelectMany(p => p.Allocations.Where(a => !owned.Contains(a.Address)).Select(a => (p, a)));
            foreach (var (pool, allocation) in unowned)
            {
                problems.Add($"pool {pool.Id} holds {allocation.Address}, which no record, aux address or Docker " +
                    $"holds");
            }
            var inNoPool = endpoints.SelectMany(e => e.HeldAddresses())
                .Where(a => !view.Pools.Any(p => p.Find(a) is not null));
            foreach (var address in inNoPool)
                problems.Add($"a record names {address}, which no pool holds");
            foreach (var bridge in view.Bridges.Where(b => !view.Networks.Any(n => n.BridgeName == b.Name)))
                problems.Add($"bridge record {bridge.Name} is used by no network");
        }
        catch (Exception e)
        {
            problems.Add($"the state does not start: {e.Message}");
        }
        return problems;
    }

    /// <summary>Stops recording: the checks' own services write to the real disk, and their kill points are not
    /// cuts.</summary>
    public void Stop()
    {
        KillPoints.Observer = null;
        KillPoints.CompactEarly = false;
        _disk.Dispose();
    }

    public void Dispose()
    {
        Stop();
        State.Dispose();
    }
}
