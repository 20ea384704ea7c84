using System.CommandLine;
using L2Vlan.Host;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Cli;

/// <summary>
/// <c>l2vlan compact</c>: writes every address pool's journal into its pool file and removes the journals, with the
/// service stopped, so that a release before 0.2.0 (which reads no journal) sees every held address. The package's
/// prerm runs it before a downgrade.
/// </summary>
internal static class CompactCommand
{
    public static Command Create()
    {
        var stateDirectory = CommonOptions.StateDirectory();
        var command = new Command("compact",
            "With the service stopped: write each address pool's journal into its pool file and remove the journals, " +
                "the form every release reads (run before a downgrade)")
        {
            stateDirectory,
        };
        command.SetAction(parse =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var folder = parse.GetValue(stateDirectory)!;
            using var loggers = LoggerFactory.Create(b =>
                b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
            try
            {
                var pools = StateCompaction.Run(folder, loggers.CreateLogger("l2vlan compact"));
                output.WriteLine($"l2vlan compact: {pools.Count} address {(pools.Count == 1 ? "pool" : "pools")} " +
                    $"written whole to {Path.Combine(folder, "pools")}, no journal left");
                return ExitCodes.Success;
            }
            catch (ServiceLockException e)
            {
                error.WriteLine($"l2vlan compact: {e.Message}");
                return ExitCodes.Finding;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"l2vlan compact: cannot rewrite the state in {folder}: {e.Message}");
                return ExitCodes.Finding;
            }
        });
        return command;
    }
}
