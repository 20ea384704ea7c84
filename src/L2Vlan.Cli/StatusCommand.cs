using System.CommandLine;
using L2Vlan.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Cli;

/// <summary><c>l2vlan status</c>: what the state says, for troubleshooting without reading JSON by hand.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var stateDirectory = CommonOptions.StateDirectory();
        var command = new Command("status", "Show the networks, bridges and address pools l2vlan keeps") { stateDirectory };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(stateDirectory)!;
            var view = StateView.Read(folder, NullLogger.Instance);
            Console.Write(view.Describe());
            return view.QuarantinedFiles.Count > 0 ? 1 : 0;
        });
        return command;
    }
}
