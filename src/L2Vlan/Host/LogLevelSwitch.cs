using Microsoft.Extensions.Logging;

namespace L2Vlan.Host;

/// <summary>
/// The log level in force, read by the logging filter at each message. <c>--log-level</c> and
/// <c>L2VLAN_LOG_LEVEL</c> fix it for the process's life; otherwise it is the policy file's <c>log_level</c>, which a
/// reload changes.
/// </summary>
public sealed class LogLevelSwitch(LogLevel level, bool fromPolicy)
{
    private volatile int _level = (int)level;

    public LogLevel Level => (LogLevel)_level;

    /// <summary>Whether the policy file sets the level (neither the option nor the environment did).</summary>
    public bool FromPolicy => fromPolicy;

    /// <summary>
    /// The policy's level, or information when it sets none; ignored when the level was fixed at start.
    /// </summary>
    public void FollowPolicy(LogLevel? policyLevel)
    {
        if (fromPolicy) _level = (int)(policyLevel ?? LogLevel.Information);
    }

    /// <summary>
    /// Whether a message of this category and level is logged. Kestrel's per-request lines would bury l2vlan's own;
    /// they are logged at debug and below only.
    /// </summary>
    public bool Logs(string? category, LogLevel messageLevel)
    {
        var current = Level;
        if (messageLevel < current || messageLevel == LogLevel.None) return false;
        return current <= LogLevel.Debug || messageLevel >= LogLevel.Warning
            || category?.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) != true;
    }
}
