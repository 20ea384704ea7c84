using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace L2Vlan.Tests.Suites.Kill;

/// <summary>
/// One run of the service as its own process inside the suite's network namespace (entered with nsenter), so that
/// a SIGKILL is a real one: tests/L2Vlan.KillHost, which is <c>l2vlan serve</c>'s host with the 802.1Q links stood
/// in for (this kernel has no 8021q): L2VLAN_KILL_HOST when set (its native build, which make unit publishes and which
/// starts in tens of milliseconds), else its JIT build with this test assembly's configuration (about 0.5 s a start).
/// </summary>
internal sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServiceProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public static string Binary { get; } =
        Environment.GetEnvironmentVariable("L2VLAN_KILL_HOST") is { Length: > 0 } native ? native : JitBuild();

    /// <summary>
    /// Starts the service; <paramref name="killAt"/> is L2VLAN_TEST_KILL_AT's value, or null for none.
    /// <paramref name="wrapper"/> comes between nsenter and the service (a command that execs the rest, as prlimit
    /// does, so the process is the service's), and <paramref name="environment"/> is added to its environment.
    /// </summary>
    public static ServiceProcess Start(string namespacePath, string socket, string stateDirectory,
        string firewallFolder, string? killAt,
        IEnumerable<string>? wrapper = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("nsenter") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { $"--net={namespacePath}", "--" }.Concat(wrapper ?? [])) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        if (Binary.EndsWith(".dll", StringComparison.Ordinal))
        {
            start.ArgumentList.Add("dotnet");
            // Start-up time is most of a kill's cost: skip the profiling tier's extra work.
            start.Environment["DOTNET_TieredPGO"] = "0";
        }
        foreach (var a in new[] { Binary, socket, stateDirectory }) start.ArgumentList.Add(a);
        start.Environment["PATH"] = $"{firewallFolder}:{Environment.GetEnvironmentVariable("PATH")}";
        start.Environment["L2VLAN_TEST_KILL_AT"] = killAt ?? "";
        return new ServiceProcess(Process.Start(start)!);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The service's process ID (nsenter and the wrapper exec it).</summary>
    public int Id => _process.Id;

    /// <summary>Waits for the end; true when it was a SIGKILL (exit status 128 + 9).</summary>
    public bool WaitKilled(TimeSpan limit) => _process.WaitForExit(limit) && _process.ExitCode == 137;

    public int ExitCode => _process.ExitCode;

    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <summary>Ends the service the way systemd's stop does.</summary>
    public void Stop()
    {
        if (_process.HasExited) return;
        Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10))) _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            // The last few kilobytes are enough to explain a failure.
            if (_log.Length > 16_000) _log.Remove(0, 8_000);
            _log.AppendLine(line);
        }
    }

    private static string JitBuild()
    {
        var configuration = typeof(
            ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
        var framework = new DirectoryInfo(AppContext.BaseDirectory).Name;
        return Path.Combine(root, "tests", "L2Vlan.KillHost", "bin", configuration, framework, "L2Vlan.KillHost.dll");
    }
}
