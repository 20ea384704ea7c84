using System.CommandLine;
using System.Text.Json;
using L2Vlan.Doctor;

namespace L2Vlan.Cli;

/// <summary><c>l2vlan doctor</c>: checks the host, read-only, and says for each problem why it matters and what fixes
/// it.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var stateDirectory = CommonOptions.StateDirectory();
        var socket = CommonOptions.ServiceSocket();
        var docker = CommonOptions.DockerSocket();
        var json = new Option<bool>("--json") { Description = "Print the findings as JSON" };
        var command = new Command("doctor", "Check the kernel, the links, the firewall, Docker and the service " +
            "against l2vlan's state; exit status 0 only when all is well")
        {
            stateDirectory, socket, docker, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var facts = await DoctorProbe.GatherAsync(parse.GetValue(stateDirectory)!, parse.GetValue(socket)!,
                parse.GetValue(docker)!, cancel);
            var report = DoctorReport.Of(BuildInfo.Version, L2Vlan.Doctor.Doctor.Examine(facts));
            parse.InvocationConfiguration.Output.Write(parse.GetValue(json)
                ? JsonSerializer.Serialize(report, DoctorJsonContext.Default.DoctorReport) + Environment.NewLine
                : report.Describe());
            return report.Ok ? ExitCodes.Success : ExitCodes.Finding;
        });
        return command;
    }
}
