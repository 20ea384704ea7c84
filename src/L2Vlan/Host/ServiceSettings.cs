using Microsoft.Extensions.Logging;

namespace L2Vlan.Host;

/// <summary>Where the service listens and keeps its state; the CLI's serve options.</summary>
public sealed record ServiceSettings(string SocketPath, string StateDirectory, LogLevel LogLevel)
{
    public const string DefaultSocketPath = "/run/l2vlan/l2vlan.sock";
    public const string DefaultStateDirectory = "/var/lib/l2vlan";
}
