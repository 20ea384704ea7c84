using L2Vlan.State;
using Microsoft.Win32.SafeHandles;

namespace L2Vlan.Tests.Fakes;

/// <summary>
/// The real disk, plus a record of what a power cut would keep of it: per file, the content its last fsync or
/// fdatasync made durable, and per folder, the names its last fsync made durable (a create, rename or delete is
/// durable only once its folder is synced). <see cref="AfterPowerLoss"/> gives the files a power cut at this moment
/// would leave, built from durable content only; nothing written since the last sync survives. Files there when it was
/// installed count as durable. Installed as <see cref="StateDisk.Current"/> until disposed; safe for concurrent use.
/// </summary>
internal sealed class PowerLossDisk : IStateDisk, IDisposable
{
    /// <summary>A file's data: what the page cache has is on the real disk; what a power cut keeps is here.</summary>
    private sealed class Node(byte[] durable)
    {
        public byte[] Durable = durable;
    }

    private readonly SystemStateDisk _disk = new();
    private readonly IStateDisk _before;
    private readonly string _root;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Node> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Node> _durableNames = new(StringComparer.Ordinal);
    private readonly Dictionary<SafeFileHandle, Node> _open = [];

    public PowerLossDisk(string root)
    {
        _root = Path.GetFullPath(root);
        foreach (var path in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
            _names[path] = _durableNames[path] = new Node(File.ReadAllBytes(path));
        _before = StateDisk.Current;
        StateDisk.Current = this;
    }

    /// <summary>The files a power cut now would leave, by path under the root.</summary>
    public Dictionary<string, byte[]> AfterPowerLoss()
    {
        lock (_gate)
            return _durableNames.ToDictionary(e => Path.GetRelativePath(_root, e.Key), e => e.Value.Durable.ToArray());
    }

    public void WriteSynced(string path, ReadOnlySpan<byte> content)
    {
        lock (_gate)
        {
            _disk.WriteSynced(path, content);
            // FileMode.Create empties a file that exists (same inode) or makes a new one.
            Name(path).Durable = content.ToArray();
        }
    }

    public void Rename(string from, string to)
    {
        lock (_gate)
        {
            _disk.Rename(from, to);
            if (_names.Remove(Path.GetFullPath(from), out var node)) _names[Path.GetFullPath(to)] = node;
        }
    }

    public void Delete(string path)
    {
        lock (_gate)
        {
            _disk.Delete(path);
            _names.Remove(Path.GetFullPath(path));
        }
    }

    public void SyncFolder(string folder)
    {
        lock (_gate)
        {
            _disk.SyncFolder(folder);
            folder = Path.GetFullPath(folder);
            foreach (var path in _durableNames.Keys.Where(p => Path.GetDirectoryName(p) == folder).ToList())
                _durableNames.Remove(path);
            foreach (var (path, node) in _names.Where(e => Path.GetDirectoryName(e.Key) == folder))
                _durableNames[path] = node;
        }
    }

    public SafeFileHandle Open(string path, FileMode mode)
    {
        lock (_gate)
        {
            var handle = _disk.Open(path, mode);
            _open[handle] = Name(path);
            return handle;
        }
    }

    public void Write(SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset)
    {
        lock (_gate) _disk.Write(file, bytes, offset);
    }

    public void SetLength(SafeFileHandle file, long length)
    {
        lock (_gate) _disk.SetLength(file, length);
    }

    public void DataSync(SafeFileHandle file)
    {
        lock (_gate)
        {
            _disk.DataSync(file);
            var content = new byte[RandomAccess.GetLength(file)];
            RandomAccess.Read(file, content, 0);
            if (_open.TryGetValue(file, out var node)) node.Durable = content;
        }
    }

    /// <summary>The file's node, made (empty, as a new file's data is until synced) when the name is new.</summary>
    private Node Name(string path)
    {
        path = Path.GetFullPath(path);
        if (!_names.TryGetValue(path, out var node)) _names[path] = node = new Node([]);
        return node;
    }

    public void Dispose() => StateDisk.Current = _before;
}
