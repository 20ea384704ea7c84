using System.Runtime.InteropServices;

namespace L2Vlan.Host;

/// <summary>
/// One service per state directory and per socket. A second <c>l2vlan serve</c> would work on the first one's
/// records and links behind its back, and delete its live socket to bind its own. So the service holds an
/// exclusive flock on <c>serve.lock</c> in its state directory and on <c>&lt;socket&gt;.lock</c> beside its socket,
/// taken before it reads the state or touches the socket and held while the process runs. The kernel drops a
/// flock when its holder dies, so a crashed service leaves no stale lock behind.
/// </summary>
public sealed class ServiceLock : IDisposable
{
    public const string StateLockName = "serve.lock";
    public const string SocketLockSuffix = ".lock";

    private readonly SafeFileDescriptor _state;
    private readonly SafeFileDescriptor _socket;

    private ServiceLock(SafeFileDescriptor state, SafeFileDescriptor socket)
    {
        _state = state;
        _socket = socket;
    }

    /// <exception cref="ServiceLockException">Another service holds the state directory or the socket.</exception>
    public static ServiceLock Take(ServiceSettings settings)
    {
        var state = Hold(Path.Combine(settings.StateDirectory, StateLockName),
            $"the state directory {settings.StateDirectory}", "--state-dir");
        try
        {
            return new ServiceLock(state,
                Hold(settings.SocketPath + SocketLockSuffix, $"the socket {settings.SocketPath}", "--socket"));
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The state directory's lock alone, for work on the state with no service running (<c>l2vlan compact</c>):
    /// held until the returned handle is disposed.
    /// </summary>
    /// <exception cref="ServiceLockException">A service holds the state directory.</exception>
    public static IDisposable TakeStateDirectory(string stateDirectory) =>
        Hold(Path.Combine(stateDirectory, StateLockName), $"the state directory {stateDirectory}", option: null);

    public void Dispose()
    {
        _socket.Dispose();
        _state.Dispose();
    }

    // option: what would give a second service a place of its own, named in the refusal; null where there is none.
    private static SafeFileDescriptor Hold(string path, string what, string? option)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var raw = Interop.Libc.Open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_CREAT | Interop.Libc.O_CLOEXEC,
            (uint)(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        if (raw < 0) throw CannotLock(path, what, Marshal.GetLastPInvokeError());
        var fd = new SafeFileDescriptor(raw);
        if (Interop.Libc.Flock(fd, Interop.Libc.LOCK_EX | Interop.Libc.LOCK_NB) == 0) return fd;
        var errno = Marshal.GetLastPInvokeError();
        fd.Dispose();
        throw errno == Interop.Errno.EAGAIN
            ? new ServiceLockException($"another l2vlan serve holds {what} (lock {path}): stop that one first " +
                $"(systemctl stop l2vlan)" +
                (option is null ? "" : $", or give this one its own {option}"))
            : CannotLock(path, what, errno);
    }

    private static ServiceLockException CannotLock(string path, string what, int errno) =>
        new($"cannot lock {what}: {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
}

/// <summary>The service cannot have its state directory or its socket to itself, so it does not start.</summary>
public sealed class ServiceLockException(string message) : Exception(message);
