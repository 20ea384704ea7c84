using System.CommandLine;
using L2Vlan.Host;

namespace L2Vlan.Cli;

/// <summary>
/// <c>l2vlan forget NETWORK</c>: drops a network Docker no longer knows. The service does it (it owns the state and
/// asks Docker first); this only sends the request and prints the answer.
/// </summary>
internal static class ForgetCommand
{
    public static Command Create()
    {
        var network = new Argument<string>("NETWORK")
        {
            Description = "The network's ID as l2vlan status shows it, or the start of it",
        };
        var socket = CommonOptions.ServiceSocket();
        var force = new Option<bool>("--force")
        {
            Description = "Forget it also when Docker does not answer (a network Docker still knows is refused all " +
                "the same)",
        };
        var command = new Command("forget", "Drop a network Docker no longer knows (e.g. a swarm network removed " +
            "while this host's dockerd was down): its veths, addresses, and its bridge if no other network uses it")
        {
            network, socket, force,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            using var client = new ServiceClient(parse.GetValue(socket)!, AdminCalls.DockerWait
                + TimeSpan.FromSeconds(20));
            ForgetResponse answer;
            try
            {
                answer = await client.ForgetAsync(new ForgetRequest
                {
                    Network = parse.GetValue(network)!,
                    Force = parse.GetValue(force),
                }, cancel);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                error.WriteLine($"l2vlan forget: the l2vlan service does not answer on {parse.GetValue(socket)} " +
                    $"({ServiceClient.Unreachable(e, parse.GetValue(socket)!)}); start it: systemctl start l2vlan");
                return ExitCodes.Finding;
            }
            if (answer.Err is { } err)
            {
                error.WriteLine($"l2vlan forget: {err}");
                return ExitCodes.Finding;
            }
            output.WriteLine($"network {answer.NetworkId} forgotten");
            return ExitCodes.Success;
        });
        return command;
    }
}
