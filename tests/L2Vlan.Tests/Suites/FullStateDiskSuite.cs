using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;
using L2Vlan.Tests.Suites.Kill;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Suites;

/// <summary>
/// The built service (tests/L2Vlan.KillHost, l2vlan serve's host) with its state folder on a small tmpfs of its own
/// (a private mount and network namespace, unshare -m -n), driven through its socket as Docker drives it: the tmpfs
/// filled up, calls that must write are refused with an Err that says so, the service stays up and the files hold
/// nothing of the refused calls; space freed, the same calls succeed (a fixed address is not "already in use").
/// The test reaches the tmpfs through /proc/PID/root, the service's view of the file system. The same for a state
/// folder made read-only under the service.
/// </summary>
[NonParallelizable]
public class FullStateDiskSuite
{
    private string _folder = null!;
    private Process? _service;
    private HttpClient? _http;
    private readonly StringBuilder _log = new();

    /// <summary>The pool each test makes while the state disk still takes it.</summary>
    private const string FirstPool =
        """{"AddressSpace": "l2vlan", "Pool": "10.70.0.0/24", "Options": {}, "V6": false}""";

    [SetUp]
    public void SetUp()
    {
        if (Environment.UserName != "root") Assert.Ignore("mounting a tmpfs in a private mount namespace needs root");
        _folder = Path.Combine(Path.GetTempPath(), "l2vlan-full-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(_folder, "state"));
    }

    [TearDown]
    public void TearDown()
    {
        _http?.Dispose();
        if (_service is { HasExited: false }) _service.Kill();
        _service?.WaitForExit();
        _service?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task A_full_state_disk_refuses_calls_with_an_error_keeps_serving_and_grants_them_once_space_is_back()
    {
        var (_, tmpfs) = await StartOnTmpfs();
        Assert.That((await Call("/IpamDriver.RequestPool", FirstPool)).Status, Is.EqualTo(200));
        var filled = Fill(Path.Combine(tmpfs, "filler"));
        TestContext.Progress.WriteLine($"full state disk: the 256 KiB tmpfs filled with {filled} bytes");

        const string Fixed = """{"PoolID": "10.70.0.0/24", "Address": "10.70.0.50", "Options": null}""";
        const string OtherPool = """{"AddressSpace": "l2vlan", "Pool": "10.71.0.0/24", "Options": {}, "V6": false}""";
        var refused = new[]
        {
            ("/IpamDriver.RequestAddress", Fixed), ("/IpamDriver.RequestPool", OtherPool),
            ("/IpamDriver.RequestAddress", Fixed),
        };
        foreach (var (path, body) in refused)
        {
            var (status, reply) = await Call(path, body);
            TestContext.Progress.WriteLine($"full state disk: {path} answered {status} {reply}");
            Assert.That(status, Is.EqualTo(500), $"{path} on a full disk; log:\n{Log}");
            var error = JsonDocument.Parse(reply).RootElement.GetProperty("Err").GetString();
            Assert.That(error,
                Does.Contain("no space left on the state disk").And.Not.Contain(_folder).And.Not.Contain(
                    "already in use"));
        }
        Assert.That(_service!.HasExited, Is.False, $"the service is up; log:\n{Log}");
        Assert.That((await Call("/Plugin.Activate", "")).Status, Is.EqualTo(200), "and answers");
        var onDisk = PoolStore.Peek(Path.Combine(tmpfs, "pools"), NullLogger.Instance);
        Assert.That(onDisk.Select(p => p.Id), Is.EqualTo(new[] { "10.70.0.0/24" }), "the refused pool is not on disk");
        Assert.That(onDisk.Single().Allocations, Is.Empty, "the refused address is not on disk");
        Assert.That(Directory.EnumerateFiles(Path.Combine(tmpfs, "pools"), ".*"), Is.Empty,
            "no temporary file is left");

        File.Delete(Path.Combine(tmpfs, "filler"));
        var granted = await Call("/IpamDriver.RequestAddress", Fixed);
        TestContext.Progress.WriteLine($"full state disk: space freed, /IpamDriver.RequestAddress answered " +
            $"{granted.Status} {granted.Reply}");
        Assert.That(granted.Status, Is.EqualTo(200), $"log:\n{Log}");
        Assert.That(granted.Reply, Does.Contain("10.70.0.50/24"),
            "the refused address is granted, not 'already in use'");
        Assert.That((await Call("/IpamDriver.RequestPool", OtherPool)).Status, Is.EqualTo(200));
        Assert.That(PoolStore.Peek(Path.Combine(tmpfs, "pools"), NullLogger.Instance)
            .Single(p => p.Id == "10.70.0.0/24").Find(IPAddress.Parse("10.70.0.50")), Is.Not.Null);
    }

    /// <summary>
    /// A state folder made read-only under the running service (a read-only bind mount of it over itself, in the
    /// service's mount namespace: the journals it has open stay writable, as on a file system remounted read-only
    /// under open files they would not be, so what is refused here is every new file and rename): a new pool is
    /// refused with the same Err, the service stays up, nothing of it is on disk; the bind undone, it is granted.
    /// </summary>
    [Test]
    public async Task A_read_only_state_folder_refuses_a_new_pool_with_an_error_serves_on_and_grants_it_once_writable()
    {
        var (state, tmpfs) = await StartOnTmpfs();
        Assert.That((await Call("/IpamDriver.RequestPool", FirstPool)).Status, Is.EqualTo(200));
        InServiceNamespace($"mount --bind \"{state}\" \"{state}\" && mount -o remount,bind,ro \"{state}\"");

        const string OtherPool = """{"AddressSpace": "l2vlan", "Pool": "10.71.0.0/24", "Options": {}, "V6": false}""";
        var (status, reply) = await Call("/IpamDriver.RequestPool", OtherPool);
        TestContext.Progress.WriteLine($"read-only state folder: /IpamDriver.RequestPool answered {status} {reply}");
        Assert.That(status, Is.EqualTo(500), $"log:\n{Log}");
        Assert.That(JsonDocument.Parse(reply).RootElement.GetProperty("Err").GetString(),
            Does.Contain("read-only").And.Not.Contain(_folder));
        Assert.That(_service!.HasExited, Is.False, $"the service is up; log:\n{Log}");
        Assert.That((await Call("/Plugin.Activate", "")).Status, Is.EqualTo(200), "and answers");
        Assert.That(PoolStore.Peek(Path.Combine(tmpfs, "pools"), NullLogger.Instance).Select(p => p.Id),
            Is.EqualTo(new[] { "10.70.0.0/24" }), "the refused pool is not on disk");

        InServiceNamespace($"umount \"{state}\"");
        var granted = await Call("/IpamDriver.RequestPool", OtherPool);
        TestContext.Progress.WriteLine($"read-only state folder: writable again, /IpamDriver.RequestPool answered " +
            $"{granted.Status} {granted.Reply}");
        Assert.That(granted.Status, Is.EqualTo(200), $"log:\n{Log}");
        Assert.That(PoolStore.Peek(Path.Combine(tmpfs, "pools"), NullLogger.Instance).Select(p => p.Id),
            Does.Contain("10.71.0.0/24"));
    }

    /// <summary>Starts the service host with its state folder on a 256 KiB tmpfs of its own; returns that folder, and
    /// the path to it from here.</summary>
    private async Task<(string State, string Tmpfs)> StartOnTmpfs()
    {
        var socket = Path.Combine(_folder, "l2vlan.sock");
        var state = Path.Combine(_folder, "state");
        var start = new ProcessStartInfo("unshare") { RedirectStandardError = true, RedirectStandardOutput = true };
        var binary = ServiceProcess.Binary;
        string[] service = binary.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", binary] : [binary];
        const string MountTmpfs = "mount -t tmpfs -o size=256k,mode=0700 l2vlan-state \"$0\" && exec \"$@\"";
        foreach (var a in new[] { "-m", "-n", "--propagation", "private", "sh", "-c", MountTmpfs, state })
            start.ArgumentList.Add(a);
        foreach (var a in service.Concat([socket, state])) start.ArgumentList.Add(a);
        _service = Process.Start(start)!;
        _service.ErrorDataReceived += (_, e) => Append(e.Data);
        _service.OutputDataReceived += (_, e) => Append(e.Data);
        _service.BeginErrorReadLine();
        _service.BeginOutputReadLine();
        _http = FakeKernelHost.Client(socket);
        await Answers();
        // The service's own view of its state folder: the tmpfs.
        return (state, $"/proc/{_service.Id}/root{state}");
    }

    /// <summary>Runs a shell command in the service's mount namespace.</summary>
    private void InServiceNamespace(string command)
    {
        var nsenter = new ProcessStartInfo("nsenter", ["-t", _service!.Id.ToString(), "-m", "sh", "-c", command])
        {
            RedirectStandardError = true,
        };
        using var run = Process.Start(nsenter)!;
        var error = run.StandardError.ReadToEnd();
        run.WaitForExit();
        Assert.That(run.ExitCode, Is.EqualTo(0), $"{command}: {error}");
    }

    /// <summary>Writes until the file system is full; returns how many bytes went in.</summary>
    private static long Fill(string path)
    {
        long written = 0;
        var chunk = new byte[4096];
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        try
        {
            while (true)
            {
                stream.Write(chunk);
                written += chunk.Length;
            }
        }
        catch (IOException)
        {
            return written;
        }
    }

    private async Task<(int Status, string Reply)> Call(string path, string body)
    {
        using var reply = await _http!.PostAsync(path, new StringContent(body));
        return ((int)reply.StatusCode, await reply.Content.ReadAsStringAsync());
    }

    private async Task Answers()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_service!.HasExited) break;
            try
            {
                using var reply = await _http!.PostAsync("/Plugin.Activate", new StringContent("{}"));
                if (reply.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(20);
        }
        Assert.Fail($"the service did not answer; log:\n{Log}");
    }

    private string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }
}
