using L2Vlan.Clients;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Host;

/// <summary>Where the service listens and keeps its state; the CLI's serve options.</summary>
public sealed record ServiceSettings(string SocketPath, string StateDirectory, LogLevel LogLevel)
{
    /// <summary>Docker's Engine API, asked read-only by <c>l2vlan forget</c> whether Docker still knows a
    /// network.</summary>
    public string DockerSocket { get; init; } = DockerEngineClient.DefaultSocket;

    /// <summary>The administrator's policy file (l2vlan.conf); null: none, the defaults.</summary>
    public string? PolicyPath { get; init; }

    /// <summary>
    /// Neither <c>--log-level</c> nor <c>L2VLAN_LOG_LEVEL</c> was given: the policy's <c>log_level</c> sets it.
    /// </summary>
    public bool LogLevelFromPolicy { get; init; }

    public const string DefaultSocketPath = "/run/l2vlan/l2vlan.sock";
    public const string DefaultStateDirectory = "/var/lib/l2vlan";
}
