using L2Vlan.State;
using Microsoft.Win32.SafeHandles;

namespace L2Vlan.Tests.Fakes;

/// <summary>
/// The real disk, until told to refuse: writes under <see cref="Refuse"/>'s paths fail as a full disk's do (ENOSPC),
/// an append after writing <see cref="PartOfARefusedAppend"/> of its bytes, and with <see cref="SyncsFail"/> the
/// fsyncs of folders and journals fail as a failing disk's do (EIO). Installed as <see cref="StateDisk.Current"/> until
/// disposed.
/// </summary>
internal sealed class RefusingStateDisk : IStateDisk, IDisposable
{
    private readonly SystemStateDisk _disk = new();
    private readonly IStateDisk _before;

    public RefusingStateDisk()
    {
        _before = StateDisk.Current;
        StateDisk.Current = this;
    }

    /// <summary>Which paths are refused; null refuses none.</summary>
    public Func<string, bool>? Refuse { get; set; }

    /// <summary>Refuses every write: the disk is full.</summary>
    public bool Full
    {
        set => Refuse = value ? _ => true : null;
    }

    /// <summary>How much of a refused append reaches the file first (0 to 1): a write that got part of a batch
    /// out.</summary>
    public double PartOfARefusedAppend { get; set; }

    public bool SyncsFail { get; set; }

    /// <summary>How many writes were refused.</summary>
    public int Refusals { get; private set; }

    private readonly Dictionary<SafeFileHandle, string> _paths = [];

    private void Check(string path)
    {
        if (Refuse?.Invoke(path) != true) return;
        Refusals++;
        throw new IOException("No space left on device : '" + path + "'", 28);
    }

    public void WriteSynced(string path, ReadOnlySpan<byte> content)
    {
        Check(path);
        _disk.WriteSynced(path, content);
    }

    public void Rename(string from, string to) => _disk.Rename(from, to);

    public void Delete(string path) => _disk.Delete(path);

    public void SyncFolder(string folder)
    {
        if (SyncsFail) throw new IOException("cannot sync folder: errno 5");
        _disk.SyncFolder(folder);
    }

    public SafeFileHandle Open(string path, FileMode mode)
    {
        if (mode == FileMode.Create || !File.Exists(path)) Check(path);
        var handle = _disk.Open(path, mode);
        lock (_paths) _paths[handle] = path;
        return handle;
    }

    public void Write(SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset)
    {
        string path;
        lock (_paths) path = _paths.GetValueOrDefault(file, "");
        if (Refuse?.Invoke(path) == true && PartOfARefusedAppend > 0)
            _disk.Write(file, bytes[..(int)(bytes.Length * PartOfARefusedAppend)], offset);
        Check(path);
        _disk.Write(file, bytes, offset);
    }

    public void SetLength(SafeFileHandle file, long length) => _disk.SetLength(file, length);

    public void DataSync(SafeFileHandle file)
    {
        if (SyncsFail) throw new IOException("cannot sync a journal: errno 5");
        _disk.DataSync(file);
    }

    public void Dispose() => StateDisk.Current = _before;
}
