using System.Globalization;
using L2Vlan.Metrics;

namespace L2Vlan.Tests.Metrics;

/// <summary>The counters as Prometheus text, read back as the CLI and the bench read it, and quantiles.</summary>
public class PrometheusTextTests
{
    private static CallSnapshot Join()
    {
        var buckets = new long[LatencyBuckets.UpperBounds.Length];
        buckets[LatencyBuckets.IndexOf(0.003)] = 98;
        buckets[LatencyBuckets.IndexOf(0.4)] = 2;
        return new CallSnapshot("NetworkDriver.Join", 100, 3, 1.1, [0.25, 0.125, 0.0625, 0.5], buckets);
    }

    [Test]
    public void The_text_is_Prometheus_s_format_with_cumulative_buckets_and_reads_back_the_same()
    {
        var text = PrometheusText.Write([Join()]);

        Assert.That(text, Does.Contain("# TYPE l2vlan_call_seconds histogram\n"));
        Assert.That(text, Does.Contain("l2vlan_calls_total{call=\"NetworkDriver.Join\"} 100\n"));
        Assert.That(text, Does.Contain("l2vlan_call_errors_total{call=\"NetworkDriver.Join\"} 3\n"));
        Assert.That(text, Does.Contain("l2vlan_call_seconds_bucket{call=\"NetworkDriver.Join\",le=\"0.005\"} 98\n"));
        Assert.That(text, Does.Contain("l2vlan_call_seconds_bucket{call=\"NetworkDriver.Join\",le=\"0.5\"} 100\n"));
        Assert.That(text, Does.Contain("l2vlan_call_seconds_bucket{call=\"NetworkDriver.Join\",le=\"+Inf\"} 100\n"));
        const string phase = "l2vlan_call_phase_seconds_total{call=\"NetworkDriver.Join\",phase=";
        Assert.That(text, Does.Contain(phase + "\"lock_wait\"} 0.25\n").And.Contain(phase + "\"probe\"} 0.5\n"));

        var read = PrometheusText.Read(text).Single();
        Assert.That((read.Name, read.Calls, read.Errors, read.Seconds),
            Is.EqualTo(("NetworkDriver.Join", 100L, 3L, 1.1)));
        Assert.That(read.PhaseSeconds, Is.EqualTo(Join().PhaseSeconds));
        Assert.That(read.Buckets, Is.EqualTo(Join().Buckets));
    }

    [Test]
    public void Quantiles_come_from_the_bucket_they_fall_in()
    {
        var join = Join();
        Assert.That(join.P50, Is.GreaterThan(0.002).And.LessThanOrEqualTo(0.005), "the median is in the 2-5 ms bucket");
        Assert.That(join.P99, Is.GreaterThan(0.2).And.LessThanOrEqualTo(0.5), "the 99th is among the two slow calls");
        var none = new long[LatencyBuckets.UpperBounds.Length];
        Assert.That(LatencyBuckets.Quantile(0.5, none), Is.Zero, "no call, no latency");
    }

    [Test]
    public void The_table_shows_each_call_in_milliseconds()
    {
        var table = CallsTable.Describe([Join()]);
        var row = table.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(table.Split('\n')[0], Does.StartWith("CALL").And.Contain("LOCK WAIT"));
        Assert.That(row[..3], Is.EqualTo(new[] { "NetworkDriver.Join", "100", "3" }));
        Assert.That(row[5..], Is.EqualTo(new[] { "1100.0", "250.0", "125.0", "62.5", "500.0" }));
        Assert.That(double.Parse(row[3], CultureInfo.InvariantCulture), Is.EqualTo(join50()).Within(0.05));
        Assert.That(CallsTable.Describe([]), Does.Contain("No protocol call"));

        static double join50() => Join().P50 * 1000;
    }
}
