using System.CommandLine;
using L2Vlan.Adapter;
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
        var command = new Command("adapter", $"Register the swarm adapter, the managed plugin {AdapterSettings.PluginReference} (docker network create -d {AdapterSettings.PluginReference} --scope swarm ...)");
        command.Subcommands.Add(Install());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(Status());
        return command;
    }

    private static Option<string> DockerSocket() => new("--docker-socket")
    {
        Description = "Docker's Engine API socket",
        DefaultValueFactory = _ => AdapterSettings.DefaultDockerSocket,
    };

    private static Option<string> ServiceSocket() => new("--service-socket")
    {
        Description = "The l2vlan service's socket the adapter relays to",
        DefaultValueFactory = _ => ServiceSettings.DefaultSocketPath,
    };

    private static Option<int> Wait() => new("--wait")
    {
        Description = "Seconds to wait for Docker to answer",
        DefaultValueFactory = _ => 60,
    };

    private static Command Install()
    {
        var docker = DockerSocket();
        var service = ServiceSocket();
        var wait = Wait();
        var command = new Command("install", "Register and enable the adapter; does nothing when the same adapter is already enabled") { docker, service, wait };
        command.SetAction((parse, cancel) => Run(parse.GetValue(docker)!, parse.GetValue(wait), cancel, async (installer, _) =>
        {
            var bundle = PluginBundle.Build(AdapterSettings.ForThisExecutable(parse.GetValue(service)));
            var outcome = await installer.InstallAsync(bundle, cancel);
            Console.WriteLine($"{AdapterSettings.PluginReference}: {Describe(outcome)} ({bundle.Digest})");
            return 0;
        }));
        return command;
    }

    private static Command Remove()
    {
        var docker = DockerSocket();
        var wait = Wait();
        wait.DefaultValueFactory = _ => 0;
        var force = new Option<bool>("--force")
        {
            Description = "Remove it even while swarm networks use it (they stop working)",
        };
        var command = new Command("remove", "Unregister the adapter from Docker") { docker, wait, force };
        command.SetAction((parse, cancel) => Run(parse.GetValue(docker)!, parse.GetValue(wait), cancel, async (installer, _) =>
        {
            var removed = await installer.RemoveAsync(parse.GetValue(force), cancel);
            Console.WriteLine($"{AdapterSettings.PluginReference}: {(removed ? "removed" : "not registered")}");
            return 0;
        }, dockerAbsentIsFine: true));
        return command;
    }

    private static Command Status()
    {
        var docker = DockerSocket();
        var service = ServiceSocket();
        var wait = Wait();
        wait.DefaultValueFactory = _ => 0;
        var command = new Command("status", "Say whether Docker has this l2vlan's adapter, enabled (exit 0) or not (exit 1)") { docker, service, wait };
        command.SetAction((parse, cancel) => Run(parse.GetValue(docker)!, parse.GetValue(wait), cancel, async (installer, _) =>
        {
            var bundle = PluginBundle.Build(AdapterSettings.ForThisExecutable(parse.GetValue(service)));
            var state = await installer.StatusAsync(bundle, cancel);
            Console.WriteLine($"{AdapterSettings.PluginReference}: {state switch
            {
                AdapterState.UpToDate => "registered, enabled, up to date",
                AdapterState.Disabled => "registered but disabled (l2vlan adapter install enables it)",
                AdapterState.Outdated => "registered with other content (l2vlan adapter install replaces it)",
                _ => "not registered (l2vlan adapter install)",
            }}");
            Console.WriteLine($"this l2vlan's adapter: {bundle.Digest}");
            return state == AdapterState.UpToDate ? 0 : 1;
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

    private static async Task<int> Run(string dockerSocket, int waitSeconds, CancellationToken cancel,
        Func<AdapterInstaller, CancellationToken, Task<int>> action, bool dockerAbsentIsFine = false)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        using var docker = new DockerEngineClient(dockerSocket);
        if (!await docker.WaitUntilUpAsync(TimeSpan.FromSeconds(waitSeconds), cancel))
        {
            if (dockerAbsentIsFine)
            {
                Console.WriteLine($"Docker does not answer on {dockerSocket}: nothing to remove");
                return 0;
            }
            Console.Error.WriteLine($"l2vlan adapter: Docker does not answer on {dockerSocket} (waited {waitSeconds}s)");
            return 2;
        }
        try
        {
            return await action(new AdapterInstaller(docker, loggers.CreateLogger("l2vlan.adapter")), cancel);
        }
        catch (Exception e) when (e is DockerApiException or IOException or HttpRequestException or InvalidDataException)
        {
            Console.Error.WriteLine($"l2vlan adapter: {e.Message}");
            return 1;
        }
    }
}
