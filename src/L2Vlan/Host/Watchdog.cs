using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Host;

/// <summary>
/// Pets systemd's watchdog (<c>WatchdogSec=</c> in the unit) with <c>WATCHDOG=1</c> every half of its interval,
/// but only while <see cref="LivenessCheck"/> finds the service alive: a service that is running but wedged then
/// misses its pets, and systemd kills and restarts it. Without <c>$WATCHDOG_USEC</c> (not under systemd, or no
/// watchdog) it does nothing.
/// </summary>
public sealed class Watchdog(LivenessCheck check, ISystemdNotifier notifier, ILogger<Watchdog> logger)
    : BackgroundService
{
    private string? _lastProblem;

    /// <summary>How often to pet: half the interval systemd asks for in the environment; null when it asks for
    /// none.</summary>
    public static TimeSpan? PetInterval(Func<string, string?> environment, int processId)
    {
        if (!long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec)
            || usec <= 0)
        {
            return null;
        }
        // systemd names the process meant when it passes the variable on; another process's watchdog is not ours.
        if (environment("WATCHDOG_PID") is { } pid && pid != processId.ToString(CultureInfo.InvariantCulture))
            return null;
        return TimeSpan.FromMicroseconds(usec / 2);
    }

    /// <summary>One round: pets when alive; logs a problem once, when it begins, and its end.</summary>
    public bool PetIfAlive()
    {
        var problem = check.Problem();
        if (problem is null)
        {
            if (_lastProblem is not null) logger.LogInformation("Serving again; the watchdog is petted again");
            _lastProblem = null;
            notifier.Notify(new ServiceState("WATCHDOG=1"));
            return true;
        }
        if (problem != _lastProblem)
            logger.LogError("Not petting the watchdog: {Problem}; systemd restarts l2vlan if this lasts", problem);
        _lastProblem = problem;
        return false;
    }

    /// <summary>The name of the watchdog's own thread.</summary>
    public const string ThreadName = "l2vlan watchdog";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (PetInterval(Environment.GetEnvironmentVariable, Environment.ProcessId) is not { } interval)
            return Task.CompletedTask;
        logger.LogInformation("Petting systemd's watchdog every {Seconds:0.#} s while calls are served",
            interval.TotalSeconds);
        var stopped = new TaskCompletionSource();
        // A thread of its own, not the thread pool's: calls that wait for a lock hold pool threads, and a pet that
        // waited for the pool to grow would let systemd kill a service that still serves.
        void Run()
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                PetIfAlive();
                stoppingToken.WaitHandle.WaitOne(interval);
            }
            stopped.SetResult();
        }
        new Thread(Run) { IsBackground = true, Name = ThreadName }.Start();
        return stopped.Task;
    }
}
