using System.CommandLine;

namespace L2Vlan.Cli;

/// <summary>The l2vlan command line: its commands, and the exit status of a run (<see cref="ExitCodes"/>).</summary>
internal static class L2VlanCli
{
    /// <summary>The commands; <paramref name="environment"/> reads an environment variable (serve's
    /// <see cref="LogLevelOption.EnvironmentVariable"/>).</summary>
    public static RootCommand Create(Func<string, string?> environment) =>
        new("l2vlan: a Docker network and IPAM plugin that puts containers at L2 into an external 802.1Q VLAN")
        {
            ServeCommand.Create(environment),
            StatusCommand.Create(), ForgetCommand.Create(), DoctorCommand.Create(), CompactCommand.Create(),
            ReloadCommand.Create(),
            AdapterCommand.Create(), RelayCommand.Create(),
        };

    /// <summary>
    /// Runs one command line. A command line that does not parse prints its errors and the help, and exits with
    /// <see cref="ExitCodes.Usage"/> (System.CommandLine's own status for it is 1, which is a finding here).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, InvocationConfiguration configuration,
        Func<string, string?> environment)
    {
        var parse = Create(environment).Parse(args);
        var status = await parse.InvokeAsync(configuration);
        return parse.Errors.Count > 0 ? ExitCodes.Usage : status;
    }
}
