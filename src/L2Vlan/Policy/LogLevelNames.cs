using Microsoft.Extensions.Logging;

namespace L2Vlan.Policy;

/// <summary>
/// The log levels by the names people write, in any case: the lower-case ones of syslog and journald (<c>info</c>,
/// <c>warn</c>) as well as .NET's (<c>Information</c>). One list for <c>--log-level</c>, <c>L2VLAN_LOG_LEVEL</c> and
/// the policy file's <c>log_level</c>.
/// </summary>
public static class LogLevelNames
{
    public static readonly IReadOnlyList<(string Name, LogLevel Level)> All =
    [
        ("trace", LogLevel.Trace), ("debug", LogLevel.Debug), ("information", LogLevel.Information),
        ("info", LogLevel.Information), ("warning", LogLevel.Warning), ("warn", LogLevel.Warning),
        ("error", LogLevel.Error), ("critical", LogLevel.Critical), ("none", LogLevel.None),
    ];

    public const string Expected = "trace, debug, information (or info), warning (or warn), error, critical or none";

    public static LogLevel? Parse(string text)
    {
        foreach (var (name, level) in All)
        {
            if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase)) return level;
        }
        return null;
    }
}
