namespace L2Vlan.Tests.Suites;

/// <summary>The seed of a suite's random choices: L2VLAN_SUITE_SEED when set, so that a failed run can be replayed,
/// else a new one.</summary>
internal static class SuiteSeed
{
    public const string Variable = "L2VLAN_SUITE_SEED";

    public static int Value =>
        int.TryParse(Environment.GetEnvironmentVariable(Variable), out var seed) ? seed : Environment.TickCount;

    /// <summary>The seed, printed with how to replay what it chose.</summary>
    public static int Announce(string suite, string replays = "the choices")
    {
        var seed = Value;
        TestContext.Progress.WriteLine($"{suite}: seed {seed} ({Variable}={seed} replays {replays})");
        return seed;
    }
}
