using L2Vlan.Bench;

// One subcommand per bench; each prints BENCH rows (tests/bench/table.sh) and exits 0 unless it could not measure.
switch (args.FirstOrDefault())
{
    case "startup": return StartupBench.Run(args[1..]);
    default:
        Console.Error.WriteLine("usage: L2Vlan.Bench startup SERVICE [--short]");
        return 2;
}
