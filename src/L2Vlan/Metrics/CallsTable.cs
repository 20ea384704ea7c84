using System.Globalization;
using System.Text;

namespace L2Vlan.Metrics;

/// <summary>The call counters as a table for a person (<c>l2vlan status --calls</c>).</summary>
public static class CallsTable
{
    public static string Describe(IReadOnlyList<CallSnapshot> calls)
    {
        if (calls.Count == 0) return "No protocol call was answered since the service started." + Environment.NewLine;
        var rows = new List<string[]>
        {
            new[] { "CALL", "CALLS", "ERRORS", "P50", "P99", "TOTAL", "LOCK WAIT", "KERNEL", "STATE WRITE", "PROBE" },
        };
        foreach (var c in calls)
        {
            rows.Add(
            [
                c.Name, Count(c.Calls), Count(c.Errors), Millis(c.P50), Millis(c.P99), Millis(c.Seconds),
                .. c.PhaseSeconds.Select(Millis),
            ]);
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            // The call's name to the left, the figures to the right.
            text.Append(row[0].PadRight(widths[0]));
            for (var i = 1; i < row.Length; i++) text.Append("  ").Append(row[i].PadLeft(widths[i]));
            text.Append(Environment.NewLine);
        }
        text.Append("Times in ms since the service started; P50 and P99 are estimated from the latency histogram.")
            .Append(Environment.NewLine);
        return text.ToString();
    }

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Millis(double seconds) => (seconds * 1000).ToString("0.0", CultureInfo.InvariantCulture);
}
