using System.CommandLine;
using L2Vlan.Host;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Cli;

/// <summary><c>l2vlan serve</c>: the service systemd runs.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var socket = CommonOptions.Path("--socket",
            "Unix socket to serve Docker's plugin API on (the spec file in /etc/docker/plugins points here)", ServiceSettings.DefaultSocketPath);
        var stateDirectory = CommonOptions.StateDirectory();
        var logLevel = new Option<string>("--log-level")
        {
            Description = "Least important messages to log",
            DefaultValueFactory = _ => nameof(LogLevel.Information),
        };
        logLevel.AcceptOnlyFromAmong(Enum.GetNames<LogLevel>());

        var command = new Command("serve", "Run the plugin service in the foreground (systemd's ExecStart)") { socket, stateDirectory, logLevel };
        command.SetAction(async parse =>
        {
            var settings = new ServiceSettings(
                parse.GetValue(socket)!,
                parse.GetValue(stateDirectory)!,
                Enum.Parse<LogLevel>(parse.GetValue(logLevel)!));
            await using var app = PluginHost.Build(settings);
            try
            {
                await PluginHost.RunAsync(app);
            }
            catch (ServiceLockException e)
            {
                Console.Error.WriteLine($"l2vlan serve: {e.Message}");
                return 1;
            }
            return 0;
        });
        return command;
    }
}
