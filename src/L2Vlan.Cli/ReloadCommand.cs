using System.CommandLine;
using L2Vlan.Host;

namespace L2Vlan.Cli;

/// <summary>
/// <c>l2vlan reload</c>: the running service reads its policy file again (the unit's ExecReload). The service answers
/// whether the file was refused, so the exit status, and with it <c>systemctl reload l2vlan</c>, says so.
/// </summary>
internal static class ReloadCommand
{
    public static Command Create()
    {
        var socket = CommonOptions.ServiceSocket();
        const string description = "Have the running service read /etc/l2vlan/l2vlan.conf again " +
            "(systemctl reload l2vlan); a file that does not parse is refused and the policy in force stays";
        var command = new Command("reload", description) { socket };
        command.SetAction(async (parse, cancel) =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            using var client = new ServiceClient(parse.GetValue(socket)!, TimeSpan.FromSeconds(20));
            ReloadResponse answer;
            try
            {
                answer = await client.ReloadAsync(cancel);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                error.WriteLine($"l2vlan reload: the l2vlan service does not answer on {parse.GetValue(socket)} " +
                    $"({ServiceClient.Unreachable(e, parse.GetValue(socket)!)}); start it: systemctl start l2vlan");
                return ExitCodes.Finding;
            }
            if (answer.Err is { } err)
            {
                error.WriteLine($"l2vlan reload: {err}");
                return ExitCodes.Finding;
            }
            output.WriteLine($"policy in force: {answer.Policy}");
            return ExitCodes.Success;
        });
        return command;
    }
}
