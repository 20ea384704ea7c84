using System.Reflection;

namespace L2Vlan;

/// <summary>This build's version: what the package is, `l2vlan --version` prints, the service answers and doctor
/// compares.</summary>
public static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? "unknown";
}
