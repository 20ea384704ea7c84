using System.CommandLine;
using System.Text.Json;
using L2Vlan.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Cli;

/// <summary><c>l2vlan status</c>: what the state says, for troubleshooting without reading JSON by hand.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var stateDirectory = CommonOptions.StateDirectory();
        var json = new Option<bool>("--json") { Description = "Print everything the state holds as JSON, every address listed" };
        var command = new Command("status", "Show the networks, bridges and address pools l2vlan keeps") { stateDirectory, json };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(stateDirectory)!;
            var view = StateView.Read(folder, NullLogger.Instance);
            Console.Write(parse.GetValue(json)
                ? JsonSerializer.Serialize(StatusReport.Of(view), StatusJsonContext.Default.StatusReport) + Environment.NewLine
                : view.Describe());
            return view.QuarantinedFiles.Count > 0 ? 1 : 0;
        });
        return command;
    }
}
