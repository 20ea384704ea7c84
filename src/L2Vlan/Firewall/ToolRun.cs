using System.ComponentModel;
using System.Diagnostics;

namespace L2Vlan.Firewall;

/// <summary>
/// What one run of a firewall tool gave: its exit status (or <see cref="TimedOut"/>, <see cref="NotInstalled"/>).
/// </summary>
public readonly record struct ToolRun(int Status, string Output, string Error)
{
    /// <summary>Not an exit status: the tool did not finish within its time limit and was killed.</summary>
    public const int TimedOut = -1;

    /// <summary>The shell's "command not found".</summary>
    public const int NotInstalled = 127;

    /// <summary>
    /// Runs <paramref name="tool"/>, killed after <paramref name="timeout"/>; both pipes read at once.
    /// </summary>
    public static ToolRun Of(string tool, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            return new ToolRun(NotInstalled, "", "");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It ended on its own just now.
                }
                return new ToolRun(TimedOut, "", "");
            }
            Task.WaitAll([output, error], timeout);
            return new ToolRun(process.ExitCode, output.IsCompletedSuccessfully ? output.Result : "",
                error.IsCompletedSuccessfully ? error.Result.Trim() : "");
        }
    }
}
