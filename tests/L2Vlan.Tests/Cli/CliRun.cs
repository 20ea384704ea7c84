using System.CommandLine;
using L2Vlan.Cli;

namespace L2Vlan.Tests.Cli;

/// <summary>One l2vlan command line, run in this process as the executable runs it, its output and errors
/// captured.</summary>
internal sealed record CliRun(int Status, string Output, string Error)
{
    public static async Task<CliRun> Of(params string[] args) => await WithEnvironment(_ => null, args);

    public static async Task<CliRun> WithEnvironment(Func<string, string?> environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var status = await L2VlanCli.RunAsync(args, new InvocationConfiguration { Output = output, Error = error },
            environment);
        return new CliRun(status, output.ToString(), error.ToString());
    }

    public override string ToString() => $"exit {Status}\nstdout:\n{Output}\nstderr:\n{Error}";
}
