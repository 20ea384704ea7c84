using System.CommandLine;
using L2Vlan.Host;

namespace L2Vlan.Cli;

internal static class CommonOptions
{
    public static Option<string> StateDirectory() =>
        Path("--state-dir", "Folder of l2vlan's per-network state files", ServiceSettings.DefaultStateDirectory);

    /// <summary>An option naming a file or socket, with the path it has when not given.</summary>
    public static Option<string> Path(string name, string description, string defaultPath) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultPath,
    };
}
