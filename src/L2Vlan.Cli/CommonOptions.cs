using System.CommandLine;
using L2Vlan.Clients;
using L2Vlan.Host;

namespace L2Vlan.Cli;

internal static class CommonOptions
{
    public static Option<string> StateDirectory() =>
        Path("--state-dir", "Folder of l2vlan's per-network state files", ServiceSettings.DefaultStateDirectory, "DIR");

    /// <summary>An option naming a file, folder or socket, with the path it has when not given.</summary>
    public static Option<string> Path(string name, string description, string defaultPath, string helpName = "PATH")
    {
        return new Option<string>(name)
        {
            HelpName = helpName,
            Description = description,
            DefaultValueFactory = _ => defaultPath,
        };
    }

    /// <summary>Docker's Engine API socket.</summary>
    public static Option<string> DockerSocket() =>
        Path("--docker-socket", "Docker's Engine API socket", DockerEngineClient.DefaultSocket);

    /// <summary>The l2vlan service's socket, as clients of it name it.</summary>
    public static Option<string> ServiceSocket() =>
        Path("--socket", "The l2vlan service's socket", ServiceSettings.DefaultSocketPath);
}
