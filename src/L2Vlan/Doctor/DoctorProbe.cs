using L2Vlan.Adapter;
using L2Vlan.Clients;
using L2Vlan.Firewall;
using L2Vlan.Host;
using L2Vlan.Netlink;
using L2Vlan.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Doctor;

/// <summary>
/// Gathers <see cref="DoctorFacts"/> from the host, read-only: the state files as <c>l2vlan status</c> peeks at them,
/// links by netlink, the FORWARD chain by <c>iptables -S</c> and <c>ip6tables -S</c>, the host's own
/// nftables chains by <c>nft -j list ruleset</c>, Docker by GETs on its API, the service by the handshake
/// Docker makes. Nothing here changes anything. A source that fails gives its own message, never a file's content.
/// </summary>
public static class DoctorProbe
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    public static async Task<DoctorFacts> GatherAsync(string stateDirectory, string socketPath, string dockerSocket,
        CancellationToken cancel)
    {
        var (state, stateError) = ReadState(stateDirectory);
        var (links, linksError) = Try(() =>
            { using var netlink = new RouteNetlinkClient(); return netlink.ListLinks(); });
        var iptables = new IptablesFirewall(NullLogger<IptablesFirewall>.Instance);
        var (chain, firewallError) = Try(() => iptables.ReadForwardChain());
        var (chain6, firewallError6) = Try(() => iptables.ReadForwardChain(ipv6: true));
        var netfilter = BridgeNetfilter.OfHost();
        var (serviceAnswers, serviceVersion, serviceError) = await ServiceAnswersAsync(socketPath, cancel);
        var facts = new DoctorFacts
        {
            StateDirectory = stateDirectory,
            State = state,
            StateError = stateError,
            Links = links ?? [],
            LinksError = linksError,
            Vlan = VlanModule(),
            AcceptedBridges = chain?.AcceptedBridges,
            ForwardPolicy = chain?.Policy,
            FirewallError = firewallError,
            BridgeNetfilter = netfilter.IPv4,
            AcceptedBridges6 = chain6?.AcceptedBridges,
            ForwardPolicy6 = chain6?.Policy,
            FirewallError6 = firewallError6,
            BridgeNetfilter6 = netfilter.IPv6,
            Nftables = NftablesListing.Read(),
            SocketPath = socketPath,
            SpecTarget = SpecTarget(),
            ServiceAnswers = serviceAnswers,
            ServiceError = serviceError,
            ServiceVersion = serviceVersion,
            DockerSocket = dockerSocket,
        };
        return await WithDockerAsync(facts, socketPath, cancel);
    }

    private static (StateView?, string?) ReadState(string folder)
    {
        if (StateFolder.Unreadable(folder) is { } why) return (null, why);
        try
        {
            return (StateView.Read(folder, NullLogger.Instance), null);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return (null, e is UnauthorizedAccessException ? "permission denied" : e.Message);
        }
    }

    private static VlanSupport VlanModule()
    {
        if (Lines("/proc/modules").Any(l => l.StartsWith("8021q ", StringComparison.Ordinal)))
            return VlanSupport.Loaded;
        var release = Lines("/proc/sys/kernel/osrelease").FirstOrDefault()?.Trim() ?? "";
        var modules = Path.Combine("/lib/modules", release);
        if (Lines(Path.Combine(modules, "modules.builtin")).Any(IsVlanModule)) return VlanSupport.BuiltIn;
        if (Lines(Path.Combine(modules, "modules.dep")).Any(l => IsVlanModule(l.Split(':')[0])))
            return VlanSupport.Loadable;
        // Built in without a modules.builtin (a custom kernel): /sys/module has it all the same.
        return Directory.Exists("/sys/module/8021q") ? VlanSupport.BuiltIn : VlanSupport.Missing;
    }

    private static bool IsVlanModule(string path) =>
        Path.GetFileName(path.Trim()) is var name
            && (name == "8021q.ko" || name.StartsWith("8021q.ko.", StringComparison.Ordinal));

    private static string? SpecTarget()
    {
        // l2vlan's own file; only its first line is said back, and cut short.
        var first = Lines(ServiceCheck.SpecFile).FirstOrDefault(l => l.Trim().Length > 0)?.Trim();
        return first is null ? File.Exists(ServiceCheck.SpecFile) ? "" : null : first[..Math.Min(first.Length, 200)];
    }

    private static async Task<(bool Answers, string? Version, string? Error)> ServiceAnswersAsync(string socketPath,
        CancellationToken cancel)
    {
        using var client = new ServiceClient(socketPath, Wait);
        try
        {
            if (!await client.ActivatesAsync(cancel)) return (false, null, "it answered, but not as l2vlan does");
            return (true, await client.VersionAsync(cancel), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return (false, null, ServiceClient.Unreachable(e, socketPath));
        }
    }

    private static async Task<DoctorFacts> WithDockerAsync(DoctorFacts facts, string socketPath,
        CancellationToken cancel)
    {
        using var docker = new DockerEngineClient(facts.DockerSocket, Wait);
        try
        {
            var networks = await docker.ListNetworksAsync(cancel);
            var adapter = await docker.InspectAsync(AdapterSettings.PluginReference, cancel);
            var (bundle, _) = Try(() => PluginBundle.Build(AdapterSettings.ForThisExecutable(socketPath)));
            return facts with
            {
                DockerAnswers = true,
                DockerNetworks = networks,
                Adapter = adapter,
                AdapterDigest = bundle?.Digest,
            };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or DockerApiException
            or IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            var error = e is HttpRequestException or TaskCanceledException
                ? ServiceClient.Unreachable(e, facts.DockerSocket)
                : e.Message;
            return facts with { DockerError = error };
        }
    }

    private static IEnumerable<string> Lines(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadLines(path).ToList() : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static (T?, string?) Try<T>(Func<T> read) where T : class
    {
        try
        {
            return (read(), null);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException
            or NetlinkException or SystemCallException)
        {
            return (null, e.Message);
        }
    }
}
