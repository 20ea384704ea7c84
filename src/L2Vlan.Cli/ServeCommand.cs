using System.CommandLine;
using L2Vlan.Host;

namespace L2Vlan.Cli;

/// <summary><c>l2vlan serve</c>: the service systemd runs.</summary>
internal static class ServeCommand
{
    public static Command Create(Func<string, string?> environment)
    {
        var socket = CommonOptions.Path("--socket",
            "Unix socket to serve Docker's plugin API on (the spec file in /etc/docker/plugins points here)",
                ServiceSettings.DefaultSocketPath);
        var stateDirectory = CommonOptions.StateDirectory();
        var logLevel = LogLevelOption.Create();

        var command = new Command("serve", "Run the plugin service in the foreground (systemd's ExecStart)") { socket, stateDirectory, logLevel };
        command.SetAction(async parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var (level, wrong) = LogLevelOption.Resolve(parse.GetValue(logLevel), environment);
            if (wrong is not null)
            {
                error.WriteLine($"l2vlan serve: {wrong}");
                return ExitCodes.Usage;
            }
            var settings = new ServiceSettings(parse.GetValue(socket)!, parse.GetValue(stateDirectory)!, level);
            await using var app = PluginHost.Build(settings);
            try
            {
                await PluginHost.RunAsync(app);
            }
            catch (ServiceLockException e)
            {
                error.WriteLine($"l2vlan serve: {e.Message}");
                return ExitCodes.Finding;
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
