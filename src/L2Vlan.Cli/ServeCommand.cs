using System.CommandLine;
using L2Vlan.Host;
using L2Vlan.Policy;

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
        var config = CommonOptions.Path("--config",
            "The administrator's policy file, read at start and at l2vlan reload (a missing file: the defaults)",
            AdminPolicy.DefaultPath);

        var command = new Command("serve", "Run the plugin service in the foreground (systemd's ExecStart)")
        {
            socket, stateDirectory, logLevel, config,
        };
        command.SetAction(async parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var (level, wrong) = LogLevelOption.Resolve(parse.GetValue(logLevel), environment);
            if (wrong is not null)
            {
                error.WriteLine($"l2vlan serve: {wrong}");
                return ExitCodes.Usage;
            }
            var settings = new ServiceSettings(parse.GetValue(socket)!, parse.GetValue(stateDirectory)!, level)
            {
                PolicyPath = parse.GetValue(config)!,
                LogLevelFromPolicy = parse.GetValue(logLevel) is null
                    && string.IsNullOrWhiteSpace(environment(LogLevelOption.EnvironmentVariable)),
            };
            await using var app = PluginHost.Build(settings);
            try
            {
                await PluginHost.RunAsync(app);
            }
            catch (PolicyFileException e)
            {
                // A policy that does not parse is never replaced by the defaults, which allow more: the service waits
                // for the file to be fixed (exit status 2, which systemd does not restart).
                error.WriteLine($"l2vlan serve: {e.Message}; not started, as the policy cannot be enforced");
                return ExitCodes.Usage;
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
