using System.CommandLine;
using System.Text.Json;
using L2Vlan.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Cli;

/// <summary><c>l2vlan status</c>: what the state says, with Docker's names for the networks, for troubleshooting
/// without reading JSON by hand.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var stateDirectory = CommonOptions.StateDirectory();
        var docker = CommonOptions.DockerSocket();
        var json = new Option<bool>("--json")
        {
            Description = "Print everything the state holds as JSON, every address listed",
        };
        var calls = new Option<bool>("--calls")
        {
            Description = "Show the running service's protocol calls instead: counts, errors, p50/p99 latency, "
                + "and time in lock waits, the kernel, state writes and probes",
        };
        var socket = CommonOptions.ServiceSocket();
        var command = new Command("status", "Show the networks (with the names Docker gives them), bridges and " +
            "address pools l2vlan keeps")
        {
            stateDirectory, docker, json, calls, socket,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            if (parse.GetValue(calls))
                return await StatusCalls.PrintAsync(parse.GetValue(socket)!, output, error, cancel);
            var folder = parse.GetValue(stateDirectory)!;
            if (StateFolder.Unreadable(folder) is { } why)
            {
                error.WriteLine($"l2vlan status: cannot read the state folder {folder}: " +
                    $"{why}{(why.EndsWith("permission denied", StringComparison.Ordinal) ? " (run it as root)" : "")}");
                return ExitCodes.Finding;
            }
            var view = StateView.Read(folder, NullLogger.Instance);
            var dockerSocket = parse.GetValue(docker)!;
            var (names, dockerError) = await DockerNetworkNames.ReadAsync(dockerSocket, cancel);
            if (dockerError is not null)
            {
                error.WriteLine($"l2vlan status: Docker was not reachable on {dockerSocket} ({dockerError}): " +
                    $"networks are shown by ID only");
            }
            output.Write(parse.GetValue(json)
                ? JsonSerializer.Serialize(StatusReport.Of(view, names), StatusJsonContext.Default.StatusReport)
                    + Environment.NewLine
                : view.Describe(names));
            return view.QuarantinedFiles.Count > 0 ? ExitCodes.Finding : ExitCodes.Success;
        });
        return command;
    }
}
