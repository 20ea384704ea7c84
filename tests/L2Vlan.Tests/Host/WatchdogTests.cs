using L2Vlan.Host;
using L2Vlan.Protocol;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Host;

public class WatchdogTests
{
    private ManualClock _clock = null!;
    private RecordingNotifier _notifier = null!;
    private bool _ipamResponds;
    private RunningCalls _running = null!;
    private Watchdog _watchdog = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new ManualClock();
        _notifier = new RecordingNotifier();
        _ipamResponds = true;
        _running = new RunningCalls(_clock);
        _watchdog = new Watchdog(new LivenessCheck(_ => _ipamResponds, _running), _notifier,
            NullLogger<Watchdog>.Instance);
    }

    [TearDown]
    public void TearDown() => _watchdog.Dispose();

    [Test]
    public void An_idle_service_is_petted()
    {
        Assert.That(_watchdog.PetIfAlive(), Is.True);
        Assert.That(_notifier.Sent, Is.EqualTo(new[] { "WATCHDOG=1" }));
    }

    [Test]
    public void A_call_running_within_the_bound_still_pets_and_one_beyond_it_does_not_until_it_ends()
    {
        var call = _running.Begin("/NetworkDriver.CreateNetwork");
        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.That(_watchdog.PetIfAlive(), Is.True, "a slow call under 60 s is no hang");
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(_watchdog.PetIfAlive(), Is.False, "a call over 60 s is one the iptables time limit failed to end");
        call.Dispose();
        Assert.That(_watchdog.PetIfAlive(), Is.True, "petted again once it ended");
        Assert.That(_notifier.Sent, Has.Count.EqualTo(2));
    }

    [Test]
    public void An_IPAM_whose_lock_cannot_be_taken_is_not_petted()
    {
        _ipamResponds = false;
        Assert.That(_watchdog.PetIfAlive(), Is.False);
        Assert.That(_notifier.Sent, Is.Empty);
    }

    [TestCase(null, null, null)]
    [TestCase("30000000", null, 15.0)]
    [TestCase("30000000", "4242", 15.0)]
    [TestCase("30000000", "1", null)]
    [TestCase("0", null, null)]
    [TestCase("soon", null, null)]
    public void The_interval_is_half_of_what_systemd_asks_for_and_only_for_this_process(string? usec, string? pid,
        double? seconds)
    {
        var interval = Watchdog.PetInterval(name =>
            name switch { "WATCHDOG_USEC" => usec, "WATCHDOG_PID" => pid, _ => null }, 4242);
        Assert.That(interval?.TotalSeconds, Is.EqualTo(seconds));
    }

    [Test]
    [NonParallelizable]
    public void The_watchdog_pets_on_time_while_every_thread_pool_thread_waits_for_a_lock()
    {
        // Every 50 ms; calls that wait for a network's lock hold pool threads, and the pool grows by about one a
        // second.
        Environment.SetEnvironmentVariable("WATCHDOG_USEC", "100000");
        using var release = new ManualResetEventSlim();
        try
        {
            _watchdog.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
            ThreadPool.GetMinThreads(out var threads, out _);
            for (var i = 0; i < threads + 64; i++) ThreadPool.UnsafeQueueUserWorkItem(_ => release.Wait(), null);
            var before = _notifier.Count;
            Thread.Sleep(TimeSpan.FromSeconds(1));
            var pets = _notifier.Count - before;
            release.Set();
            Assert.That(pets, Is.GreaterThanOrEqualTo(10), "pets in one second at one per 50 ms, the thread pool busy");
        }
        finally
        {
            release.Set();
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", null);
            _watchdog.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    private sealed class RecordingNotifier : ISystemdNotifier
    {
        private readonly List<string> _sent = [];

        public List<string> Sent
        {
            get
            {
                lock (_sent) return [.. _sent];
            }
        }

        public int Count
        {
            get
            {
                lock (_sent) return _sent.Count;
            }
        }

        public bool IsEnabled => true;

        public void Notify(ServiceState state)
        {
            lock (_sent) _sent.Add(state.ToString());
        }
    }
}
