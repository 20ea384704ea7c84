using System.Text;
using System.Text.Json.Serialization;

namespace L2Vlan.Doctor;

/// <summary>What <c>l2vlan doctor</c> prints: every finding, and whether all is well.</summary>
public sealed record DoctorReport(string Version, bool Ok, IReadOnlyList<Finding> Findings)
{
    public static DoctorReport Of(string version, IReadOnlyList<Finding> findings) =>
        new(version, findings.All(f => f.Ok), findings);

    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var f in Findings)
        {
            text.AppendLine($"{(f.Ok ? "ok     " : "PROBLEM")} {f.Check}: {f.What}");
            if (f.Ok) continue;
            if (f.Why is { } why) text.AppendLine($"        why: {why}");
            text.AppendLine($"        fix: {f.Fix ?? "(no command: see above)"}");
        }
        var problems = Findings.Count(f => !f.Ok);
        text.AppendLine(problems == 0 ? $"l2vlan {Version}: all is well"
            : $"l2vlan {Version}: {problems} {(problems == 1 ? "problem" : "problems")}");
        return text.ToString();
    }
}

/// <summary><c>l2vlan doctor --json</c>, camelCase like <c>status --json</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(DoctorReport))]
public sealed partial class DoctorJsonContext : JsonSerializerContext;
