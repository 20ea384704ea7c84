using System.CommandLine;
using L2Vlan.Adapter;
using L2Vlan.Clients;
using L2Vlan.Host;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Cli;

/// <summary>
/// <c>l2vlan adapter install|remove|status</c>: the managed plugin <c>l2vlan-swarm:latest</c> that swarm-scoped
/// networks name as their driver. l2vlan-adapter.service runs <c>install</c> whenever Docker starts.
/// </summary>
internal static class AdapterCommand
{
    public static Command Create()
    {
        var command = new Command("adapter", $"Register the swarm adapter, the managed plugin " +
            $"{AdapterSettings.PluginReference} (docker network create -d {AdapterSettings.PluginReference} --scope " +
                $"swarm ...)");
        command.Subcommands.Add(Install());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(Status());
        return command;
    }

    private static Option<string> ServiceSocket() => CommonOptions.Path("--service-socket",
        "The l2vlan service's socket the adapter relays to", ServiceSettings.DefaultSocketPath);

    private static Option<int> Wait(int seconds)
    {
        var wait = new Option<int>("--wait")
        {
            HelpName = "SECONDS",
            Description = "Seconds to wait for Docker to answer",
            DefaultValueFactory = _ => seconds,
        };
        // A value that is no number at all is the parser's error already.
        wait.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && int.TryParse(result.Tokens[^1].Value, out var given) && given < 0)
                result.AddError($"--wait {given}: expected a number of seconds, 0 or more");
        });
        return wait;
    }

    private static Command Install()
    {
        var docker = CommonOptions.DockerSocket();
        var service = ServiceSocket();
        var wait = Wait(60);
        var command = new Command("install", "Register and enable the adapter; does nothing when the same adapter is " +
            "already enabled") { docker, service, wait };
        command.SetAction((parse, cancel) => Run(parse, parse.GetValue(docker)!, parse.GetValue(wait), cancel,
            async (installer, output) =>
        {
            var bundle = PluginBundle.Build(AdapterSettings.ForThisExecutable(parse.GetValue(service)!));
            var outcome = await installer.InstallAsync(bundle, cancel);
            output.WriteLine($"{AdapterSettings.PluginReference}: {Describe(outcome)} ({bundle.Digest})");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Remove()
    {
        var docker = CommonOptions.DockerSocket();
        var wait = Wait(0);
        var force = new Option<bool>("--force")
        {
            Description = "Remove it even while swarm networks use it (they stop working)",
        };
        var command = new Command("remove", "Unregister the adapter from Docker") { docker, wait, force };
        command.SetAction((parse, cancel) => Run(parse, parse.GetValue(docker)!, parse.GetValue(wait), cancel,
            async (installer, output) =>
        {
            var removed = await installer.RemoveAsync(parse.GetValue(force), cancel);
            output.WriteLine($"{AdapterSettings.PluginReference}: {(removed ? "removed" : "not registered")}");
            return ExitCodes.Success;
        }, dockerAbsentIsFine: true));
        return command;
    }

    private static Command Status()
    {
        var docker = CommonOptions.DockerSocket();
        var service = ServiceSocket();
        var wait = Wait(0);
        var command = new Command("status", "Say whether Docker has this l2vlan's adapter, enabled (exit 0) or not " +
            "(exit 1)") { docker, service, wait };
        command.SetAction((parse, cancel) => Run(parse, parse.GetValue(docker)!, parse.GetValue(wait), cancel,
            async (installer, output) =>
        {
            var bundle = PluginBundle.Build(AdapterSettings.ForThisExecutable(parse.GetValue(service)!));
            var state = await installer.StatusAsync(bundle, cancel);
            output.WriteLine($"{AdapterSettings.PluginReference}: {state switch
            {
                AdapterState.UpToDate => "registered, enabled, up to date",
                AdapterState.Disabled => "registered but disabled (l2vlan adapter install enables it)",
                AdapterState.Outdated => "registered with other content (l2vlan adapter install replaces it)",
                _ => "not registered (l2vlan adapter install)",
            }}");
            output.WriteLine($"this l2vlan's adapter: {bundle.Digest}");
            return state == AdapterState.UpToDate ? ExitCodes.Success : ExitCodes.Finding;
        }));
        return command;
    }

    private static string Describe(InstallOutcome outcome) => outcome switch
    {
        InstallOutcome.UpToDate => "already registered and enabled",
        InstallOutcome.Enabled => "enabled",
        InstallOutcome.Installed => "registered and enabled",
        _ => "replaced and enabled",
    };

    /// <summary>Runs <paramref name="action"/> once Docker answers; Docker not answering, or refusing, is a
    /// finding.</summary>
    private static async Task<int> Run(ParseResult parse, string dockerSocket, int waitSeconds,
        CancellationToken cancel,
        Func<AdapterInstaller, TextWriter, Task<int>> action, bool dockerAbsentIsFine = false)
    {
        var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(LogLevel.Warning));
        using var docker = new DockerEngineClient(dockerSocket);
        if (!await docker.WaitUntilUpAsync(TimeSpan.FromSeconds(waitSeconds), cancel))
        {
            if (dockerAbsentIsFine)
            {
                output.WriteLine($"Docker does not answer on {dockerSocket}: nothing to remove");
                return ExitCodes.Success;
            }
            error.WriteLine($"l2vlan adapter: Docker does not answer on {dockerSocket} (waited {waitSeconds}s)");
            return ExitCodes.Finding;
        }
        try
        {
            return await action(new AdapterInstaller(docker, loggers.CreateLogger("l2vlan.adapter")), output);
        }
        catch (Exception e) when (e is DockerApiException or IOException or HttpRequestException
            or InvalidDataException)
        {
            error.WriteLine($"l2vlan adapter: {e.Message}");
            return ExitCodes.Finding;
        }
    }
}
