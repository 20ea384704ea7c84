using System.CommandLine;
using L2Vlan.Host;

namespace L2Vlan.Cli;

internal static class CommonOptions
{
    public static Option<string> StateDirectory() => new("--state-dir")
    {
        Description = "Folder of l2vlan's per-network state files",
        DefaultValueFactory = _ => ServiceSettings.DefaultStateDirectory,
    };
}
