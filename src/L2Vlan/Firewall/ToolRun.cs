using System.ComponentModel;
using System.Diagnostics;

namespace L2Vlan.Firewall;

/// <summary>
/// One call of a firewall tool (iptables, nft), bounded in time: a tool that does not answer is killed, and the
/// caller gets <see cref="TimedOut"/> instead of waiting. A tool that is not installed gives
/// <see cref="NotInstalled"/>, the shell's "command not found".
/// </summary>
public readonly record struct ToolRun(int Status, string Output, string Error)
{
    public const int NotInstalled = 127;
    // Not an exit status: the tool did not finish within the time limit and was killed.
    public const int TimedOut = -1;

    /// <summary>Runs the tool; <paramref name="notStarted"/> gets why it could not start (not installed).</summary>
    public static ToolRun Of(
        string tool, IReadOnlyList<string> arguments, TimeSpan timeout, Action<string>? notStarted = null)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            notStarted?.Invoke(e.Message);
            return new ToolRun(NotInstalled, "", "");
        }
        using (process)
        {
            // Both pipes at once: reading one to its end while the tool fills the other would wait forever.
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                Kill(process);
                return new ToolRun(TimedOut, "", "");
            }
            // The pipes close with the tool; bounded all the same, in case something it started holds them.
            Task.WaitAll([output, error], timeout);
            return new ToolRun(process.ExitCode, output.IsCompletedSuccessfully ? output.Result : "",
                error.IsCompletedSuccessfully ? error.Result.Trim() : "");
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended on its own just now.
        }
    }
}
