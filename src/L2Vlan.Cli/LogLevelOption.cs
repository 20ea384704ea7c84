using System.CommandLine;
using L2Vlan.Policy;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Cli;

/// <summary>
/// <c>serve --log-level LEVEL</c>, or the environment variable <see cref="EnvironmentVariable"/> when the option is not
/// given (l2vlan.service reads it from <c>/etc/default/l2vlan</c>); without either, the policy file's
/// <c>log_level</c>. The names are <see cref="LogLevelNames"/>'.
/// </summary>
internal static class LogLevelOption
{
    public const string EnvironmentVariable = "L2VLAN_LOG_LEVEL";

    public const string Expected = LogLevelNames.Expected;

    public static LogLevel? Parse(string text) => LogLevelNames.Parse(text);

    public static Option<LogLevel?> Create()
    {
        var option = new Option<LogLevel?>("--log-level")
        {
            HelpName = "LEVEL",
            Description = $"Least important messages to log: {Expected}, in any case " +
                $"[default: ${EnvironmentVariable}, else log_level in /etc/l2vlan/l2vlan.conf, else information]",
            CustomParser = result =>
            {
                var text = result.Tokens[^1].Value;
                if (Parse(text) is { } level) return level;
                result.AddError($"--log-level {Shown(text)} is not a log level: expected {Expected}");
                return null;
            },
        };
        option.CompletionSources.Add(_ =>
            LogLevelNames.All.Select(n => new System.CommandLine.Completions.CompletionItem(n.Name)));
        return option;
    }

    /// <summary>The level the option gave, else the environment's; an error names the variable when its value is not a
    /// level.</summary>
    public static (LogLevel Level, string? Error) Resolve(LogLevel? given, Func<string, string?> environment)
    {
        if (given is { } level) return (level, null);
        var text = environment(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text)) return (LogLevel.Information, null);
        return Parse(text) is { } fromEnvironment
            ? (fromEnvironment, null)
            : (LogLevel.Information, $"{EnvironmentVariable}={Shown(text)} (from the environment, or " +
                $"/etc/default/l2vlan under systemd) is not a log level: expected {Expected}");
    }

    /// <summary>What was given, cut short: a log level is one short word.</summary>
    private static string Shown(string text) => text.Length <= 20 ? $"'{text}'" : $"'{text[..20]}…'";
}
