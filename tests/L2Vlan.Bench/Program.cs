namespace L2Vlan.Bench;

/// <summary>One subcommand per benchmark; each prints BENCH rows (tests/bench/table.sh reads them).</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "ipam": return await IpamBench.Run(args[1..]);
            case "startup": return StartupBench.Run(args[1..]);
            default:
                await Console.Error.WriteLineAsync("usage: L2Vlan.Bench ipam [--short] [--binary PATH] [--held N] | " +
                    "startup SERVICE [--short]");
                return 2;
        }
    }
}
