using System.CommandLine;
using System.Runtime.InteropServices;
using L2Vlan.Adapter;
using L2Vlan.Host;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Cli;

/// <summary><c>l2vlan relay</c>: the swarm adapter's entrypoint inside Docker's managed plugin.</summary>
internal static class RelayCommand
{
    public static Command Create()
    {
        var listen = CommonOptions.Path("--listen",
            "Unix socket to accept Docker's calls on (the plugin's socket, inside the plugin)",
                AdapterSettings.PluginSocketPath);
        var to = CommonOptions.Path("--to",
            "Unix socket of the l2vlan service each connection is spliced to", ServiceSettings.DefaultSocketPath);
        var command = new Command("relay", "Relay every connection on one unix socket to another, byte for byte (the " +
            "swarm adapter's entrypoint)") { listen, to };
        command.SetAction(async (parse, cancel) =>
        {
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
            var logger = loggers.CreateLogger("l2vlan.relay");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            // PID 1 of the plugin: Docker disables it with SIGTERM.
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
                { c.Cancel = true; stop.Cancel(); });
            using var relay = SocketRelay.Listen(parse.GetValue(listen)!, parse.GetValue(to)!, logger);
            await relay.RunAsync(stop.Token);
            return ExitCodes.Success;
        });
        return command;
    }
}
