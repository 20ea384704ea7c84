using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using L2Vlan.Netlink;

namespace L2Vlan.Tests.Netlink;

/// <summary>
/// An open handle to a Linux network namespace. Namespaces belong to threads, not processes,
/// so work inside one runs on a short-lived thread that enters it; sockets opened there stay in it.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private readonly SafeFileDescriptor _handle;

    private NetworkNamespace(SafeFileDescriptor handle) => _handle = handle;

    /// <summary>The open namespace file, as <see cref="RouteNetlinkClientExtensions.MoveToNamespace"/> takes
    /// it.</summary>
    public SafeHandle Handle => _handle;

    /// <summary>Creates a new, empty network namespace (only a down loopback), private to this handle and what is
    /// opened in it.</summary>
    public static NetworkNamespace CreatePrivate() => RunOnNewThread(() =>
    {
        if (NamespaceInterop.Unshare(NamespaceInterop.CLONE_NEWNET) != 0)
            throw SystemCallException.FromLastError("unshare(CLONE_NEWNET)");
        return new NetworkNamespace(OpenCurrentThreadNamespace());
    });

    public RouteNetlinkClient OpenRouteClient() => Run(() => new RouteNetlinkClient());

    /// <summary>Runs <paramref name="action"/> on a new thread inside this namespace and waits for it.</summary>
    public T Run<T>(Func<T> action) => RunOnNewThread(() =>
    {
        if (NamespaceInterop.SetNs(_handle, NamespaceInterop.CLONE_NEWNET) != 0)
            throw SystemCallException.FromLastError("setns(CLONE_NEWNET)");
        return action();
    });

    public void Dispose() => _handle.Dispose();

    private static SafeFileDescriptor OpenCurrentThreadNamespace()
    {
        var handle = new SafeFileDescriptor(Interop.Libc.Open("/proc/thread-self/ns/net", Interop.Libc.O_RDONLY
            | Interop.Libc.O_CLOEXEC));
        return handle.IsInvalid ? throw SystemCallException.FromLastError("open(/proc/thread-self/ns/net)") : handle;
    }

    // The thread ends with the task, taking its namespace change with it; no pooled thread is ever moved.
    private static T RunOnNewThread<T>(Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}
