using L2Vlan.Host;
using L2Vlan.Metrics;

namespace L2Vlan.Cli;

/// <summary><c>l2vlan status --calls</c>: the running service's per-call counters, read from its socket.</summary>
internal static class StatusCalls
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static async Task<int> PrintAsync(string socket, TextWriter output, TextWriter error,
        CancellationToken cancel)
    {
        string? text;
        try
        {
            using var client = new ServiceClient(socket, Wait);
            text = await client.MetricsAsync(cancel);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            error.WriteLine($"l2vlan status: the l2vlan service does not answer on {socket} "
                + $"({ServiceClient.Unreachable(e, socket)}); start it: systemctl start l2vlan");
            return ExitCodes.Finding;
        }
        if (text is null)
        {
            error.WriteLine($"l2vlan status: the service on {socket} keeps no call counters "
                + "(is it an older l2vlan? systemctl restart l2vlan)");
            return ExitCodes.Finding;
        }
        output.Write(CallsTable.Describe(PrometheusText.Read(text)));
        return ExitCodes.Success;
    }
}
