using System.Globalization;

namespace L2Vlan.Bench;

/// <summary>One figure in the form the benches share: BENCH|goal|figure|value|baseline|baseline
/// value|ratio|target|met.</summary>
public static class BenchRow
{
    public static string Number(double value, int decimals) =>
        value.ToString("N" + decimals, CultureInfo.InvariantCulture);

    /// <summary>A row whose target is a ratio: at most <paramref name="most"/> or at least <paramref name="least"/>
    /// times the baseline.</summary>
    public static void Print(int goal, string figure, double value, string unit, string baseline, double baselineValue,
        int decimals,
        double? most = null, double? least = null)
    {
        var ratio = value / baselineValue;
        var (target, met) = most is { } m ? ($"<= {Number(m, 1)}x", ratio <= m)
            : least is { } l ? ($">= {Number(l, 1)}x", ratio >= l)
            : ("-", true);
        Console.WriteLine($"BENCH|{goal}|{figure}|{Number(value, decimals)} " +
            $"{unit}|{baseline}|{Number(baselineValue, decimals)} " +
                $"{unit}|{Number(ratio, 2)}x|{target}|{(met ? "met" : "NOT met")}");
    }
}
