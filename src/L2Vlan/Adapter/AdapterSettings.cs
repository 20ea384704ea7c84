namespace L2Vlan.Adapter;

/// <summary>
/// What the swarm adapter is made of and where it points. Docker accepts only managed (v2) plugins as the
/// driver of a swarm-scoped network, so a managed plugin under its own name relays every call to the one
/// l2vlan service. It must not be called "l2vlan": Docker registers a managed plugin as NAME:latest and
/// that entry then shadows the v1 plugin "l2vlan", breaking <c>docker network create -d l2vlan</c>.
/// </summary>
/// <param name="BinaryPath">The l2vlan executable copied into the plugin (it is the relay, <c>l2vlan
/// relay</c>).</param>
/// <param name="ServiceSocket">The service's socket; its folder is bind-mounted into the plugin at the same
/// path.</param>
public sealed record AdapterSettings(string BinaryPath, string ServiceSocket)
{
    public const string PluginName = "l2vlan-swarm";
    /// <summary>How Docker names the plugin, and what swarm networks give as <c>-d</c>.</summary>
    public const string PluginReference = PluginName + ":latest";
    public const string PluginSocketName = PluginName + ".sock";
    /// <summary>Where Docker expects a managed plugin's socket, inside the plugin.</summary>
    public const string PluginSocketDirectory = "/run/docker/plugins";

    public static string PluginSocketPath => PluginSocketDirectory + "/" + PluginSocketName;

    public string ServiceSocketDirectory => Path.GetDirectoryName(ServiceSocket)
        ?? throw new ArgumentException($"the service socket {ServiceSocket} has no folder");

    public static AdapterSettings ForThisExecutable(string serviceSocket) => new(
        Environment.ProcessPath ?? throw new InvalidOperationException("the path of the running l2vlan executable is " +
            "unknown"),
        serviceSocket);
}
