using System.Globalization;
using System.Text;

namespace L2Vlan.Metrics;

/// <summary>
/// The call counters in Prometheus's text format (version 0.0.4), and read back from it: <c>l2vlan status
/// --calls</c> and the VM bench read the very text a scraper gets.
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";
    private const string Calls = "l2vlan_calls_total";
    private const string Errors = "l2vlan_call_errors_total";
    private const string Latency = "l2vlan_call_seconds";
    private const string Phase = "l2vlan_call_phase_seconds_total";

    /// <summary>The label value of each <see cref="CallPhase"/>, in its order.</summary>
    public static readonly string[] PhaseNames = ["lock_wait", "kernel", "state_write", "probe"];

    public static string Write(IReadOnlyList<CallSnapshot> calls)
    {
        var text = new StringBuilder();
        Header(text, Calls, "counter", "Protocol calls answered, by call.");
        foreach (var c in calls) Line(text, Calls, c.Name, null, c.Calls);
        Header(text, Errors, "counter", "Protocol calls answered with an error, by call.");
        foreach (var c in calls) Line(text, Errors, c.Name, null, c.Errors);
        Header(text, Latency, "histogram", "Time from a call's request read to its answer, by call.");
        foreach (var c in calls)
        {
            long cumulative = 0;
            for (var i = 0; i < c.Buckets.Length; i++)
            {
                cumulative += c.Buckets[i];
                Line(text, Latency + "_bucket", c.Name, ("le", Number(LatencyBuckets.UpperBounds[i])), cumulative);
            }
            Line(text, Latency + "_sum", c.Name, null, c.Seconds);
            Line(text, Latency + "_count", c.Name, null, c.Calls);
        }
        Header(text, Phase, "counter",
            "Time calls spent waiting for a lock, in the kernel (netlink), writing state and probing, by call.");
        foreach (var c in calls)
        {
            for (var p = 0; p < PhaseNames.Length; p++)
                Line(text, Phase, c.Name, ("phase", PhaseNames[p]), c.PhaseSeconds[p]);
        }
        return text.ToString();
    }

    /// <summary>The calls in <paramref name="text"/> as <see cref="Write"/> wrote them; skips other lines.</summary>
    public static IReadOnlyList<CallSnapshot> Read(string text)
    {
        var calls = new SortedDictionary<string, CallSnapshot>(StringComparer.Ordinal);
        CallSnapshot Of(string name) => calls.TryGetValue(name, out var c) ? c
            : calls[name] = new CallSnapshot(
                name, 0, 0, 0, new double[PhaseNames.Length], new long[LatencyBuckets.UpperBounds.Length]);
        foreach (var raw in text.Split('\n'))
        {
            if (Parse(raw.Trim()) is not var (metric, labels, value)) continue;
            if (!labels.TryGetValue("call", out var name)) continue;
            var call = Of(name);
            switch (metric)
            {
                case Calls: calls[name] = call with { Calls = (long)value }; break;
                case Errors: calls[name] = call with { Errors = (long)value }; break;
                case Latency + "_sum": calls[name] = call with { Seconds = value }; break;
                case Latency + "_bucket" when labels.TryGetValue("le", out var le):
                    var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
                    var index = Array.IndexOf(LatencyBuckets.UpperBounds, bound);
                    if (index >= 0) call.Buckets[index] = (long)value;
                    break;
                case Phase when labels.TryGetValue("phase", out var phase) && Array.IndexOf(PhaseNames, phase) is >= 0:
                    call.PhaseSeconds[Array.IndexOf(PhaseNames, phase)] = value;
                    break;
            }
        }
        // The text's buckets are cumulative; a snapshot's are per bucket.
        foreach (var call in calls.Values)
            for (var i = call.Buckets.Length - 1; i > 0; i--) call.Buckets[i] -= call.Buckets[i - 1];
        return [.. calls.Values];
    }

    /// <summary>name{a="x",b="y"} value</summary>
    private static (string Metric, Dictionary<string, string> Labels, double Value)? Parse(string line)
    {
        if (line.Length == 0 || line[0] == '#') return null;
        var open = line.IndexOf('{');
        var close = line.LastIndexOf('}');
        var space = line.LastIndexOf(' ');
        if (open <= 0 || close < open || space < close) return null;
        var number = line[(space + 1)..];
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return null;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in line[(open + 1)..close].Split(','))
        {
            var equals = pair.IndexOf('=');
            if (equals > 0) labels[pair[..equals]] = pair[(equals + 1)..].Trim('"');
        }
        return (line[..open], labels, value);
    }

    private static void Header(StringBuilder text, string metric, string type, string help) =>
        text.Append("# HELP ").Append(metric).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(metric).Append(' ').Append(type).Append('\n');

    private static void Line(
        StringBuilder text, string metric, string call, (string Name, string Value)? label, double value)
    {
        text.Append(metric).Append("{call=\"").Append(call).Append('"');
        if (label is var (name, labelValue)) text.Append(',').Append(name).Append("=\"").Append(labelValue).Append('"');
        text.Append("} ").Append(Number(value)).Append('\n');
    }

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);
}
