using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace L2Vlan.Adapter;

/// <summary>
/// The swarm adapter as Docker's <c>POST /plugins/create</c> takes it: a tar of config.json and rootfs/,
/// where the rootfs holds only the l2vlan executable (run as <c>l2vlan relay</c>), its dynamic loader and
/// its libraries, plus empty mount points. Its digest covers the config and every file, and is written
/// into the plugin's description, so <c>l2vlan adapter install</c> re-registers exactly when it changed.
/// </summary>
public sealed partial class PluginBundle
{
    public const string ExecutableInRootfs = "/l2vlan";
    /// <summary>Libraries go into one folder the loader is told about, whatever the host's layout.</summary>
    public const string LibraryFolderInRootfs = "/lib";

    private static readonly string[] MountPoints = ["/dev", "/proc", "/sys", "/tmp", "/etc", "/run/docker/plugins"];
    // Docker binds the host's /etc/hosts and /etc/resolv.conf into plugins on the host network.
    private static readonly string[] EmptyFiles = ["/etc/hosts", "/etc/resolv.conf"];

    private PluginBundle(PluginConfig config, IReadOnlyList<RootfsFile> files, string digest)
    {
        Config = config;
        Files = files;
        Digest = digest;
    }

    public PluginConfig Config { get; }
    /// <summary>The files of the rootfs and where on the host they come from, sorted by path.</summary>
    public IReadOnlyList<RootfsFile> Files { get; }
    /// <summary>"sha256:" and 64 hex digits over the config (less this digest) and the rootfs.</summary>
    public string Digest { get; }

    /// <summary>The adapter of this l2vlan: the executable of <paramref name="settings"/> and what the ELF says it
    /// needs.</summary>
    public static PluginBundle Build(AdapterSettings settings)
    {
        var dependencies = ElfDependencies.Of(settings.BinaryPath);
        var files = new List<RootfsFile> { new(ExecutableInRootfs, settings.BinaryPath) };
        files.Add(new RootfsFile(dependencies.Interpreter, dependencies.Interpreter));
        foreach (var (soname, path) in dependencies.Libraries)
            files.Add(new RootfsFile($"{LibraryFolderInRootfs}/{soname}", path));
        return Build(settings, files);
    }

    /// <summary>A bundle of the given rootfs files (tests give small stand-ins for the executable).</summary>
    public static PluginBundle Build(AdapterSettings settings, IEnumerable<RootfsFile> files)
    {
        var sorted = files.OrderBy(f => f.PathInRootfs, StringComparer.Ordinal).ToList();
        var config = MakeConfig(settings);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Serialize(config));
        foreach (var file in sorted)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"\n{file.PathInRootfs}\n{new FileInfo(file.HostPath).Length}\n"));
            using var content = File.OpenRead(file.HostPath);
            var buffer = new byte[81920];
            int n;
            while ((n = content.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
        }
        var digest = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
        config.Description = $"{config.Description} (l2vlan {BuildInfo.Version}, content {digest})";
        return new PluginBundle(config, sorted, digest);
    }

    /// <summary>The digest a plugin's description carries, or null if it carries none (not made by l2vlan).</summary>
    public static string? DigestIn(string? description) =>
        description is null ? null : DigestPattern().Match(description) is { Success: true } m ? m.Value : null;

    public byte[] ConfigJson() => Serialize(Config);

    /// <summary>The tar Docker's plugin create takes: config.json, then rootfs/ with its folders and files.</summary>
    public void WriteTar(Stream destination)
    {
        using var tar = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        var config = ConfigJson();
        Add(tar, new PaxTarEntry(TarEntryType.RegularFile, "config.json") { DataStream = new MemoryStream(config) },
            Mode644);
        Add(tar, new PaxTarEntry(TarEntryType.Directory, "rootfs/"), Mode755);

        var folders = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in MountPoints.Concat(EmptyFiles).Concat(Files.Select(f => f.PathInRootfs)))
        {
            var folder = Path.GetDirectoryName(path);
            for (; folder is not null and not "/"; folder = Path.GetDirectoryName(folder))
                folders.Add(folder);
        }
        foreach (var mountPoint in MountPoints) folders.Add(mountPoint);
        foreach (var folder in folders)
            Add(tar, new PaxTarEntry(TarEntryType.Directory, "rootfs" + folder + "/"), Mode755);
        foreach (var empty in EmptyFiles)
        {
            Add(tar, new PaxTarEntry(TarEntryType.RegularFile, "rootfs" + empty) { DataStream = new MemoryStream() },
                Mode644);
        }
        foreach (var file in Files)
        {
            using var content = File.OpenRead(file.HostPath);
            Add(tar, new PaxTarEntry(TarEntryType.RegularFile, "rootfs" + file.PathInRootfs) { DataStream = content },
                Mode755);
        }
    }

    private const UnixFileMode Mode644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead
        | UnixFileMode.OtherRead;
    private const UnixFileMode Mode755 = Mode644 | UnixFileMode.UserExecute | UnixFileMode.GroupExecute
        | UnixFileMode.OtherExecute;

    private static void Add(TarWriter tar, PaxTarEntry entry, UnixFileMode mode)
    {
        entry.Mode = mode;
        entry.ModificationTime = DateTimeOffset.UnixEpoch;
        tar.WriteEntry(entry);
    }

    private static PluginConfig MakeConfig(AdapterSettings settings) => new()
    {
        Description = $"l2vlan swarm adapter: relays Docker's network and IPAM calls to the l2vlan service on " +
            $"{settings.ServiceSocket}",
        Documentation = "file:///usr/share/doc/l2vlan/README.md",
        Entrypoint = [ExecutableInRootfs, "relay", "--listen", AdapterSettings.PluginSocketPath, "--to",
            settings.ServiceSocket],
        WorkDir = "/",
        Env =
        [
            new PluginEnv
            {
                Name = "LD_LIBRARY_PATH",
                Description = "where the relay's libraries are in the plugin",
                Value = LibraryFolderInRootfs,
            },
        ],
        Interface = new PluginInterface
        {
            Types = ["docker.networkdriver/1.0", "docker.ipamdriver/1.0"],
            Socket = AdapterSettings.PluginSocketName,
        },
        // The relay only opens unix sockets; the host network spares Docker a namespace per plugin.
        Network = new PluginNetwork { Type = "host" },
        Mounts =
        [
            new PluginMount
            {
                Name = "l2vlan-run",
                Description = "the l2vlan service's socket folder (kept across service restarts)",
                Source = settings.ServiceSocketDirectory,
                Destination = settings.ServiceSocketDirectory,
                Type = "bind",
                Options = ["rbind"],
            },
        ],
    };

    private static byte[] Serialize(PluginConfig config) =>
        JsonSerializer.SerializeToUtf8Bytes(config, AdapterJsonContext.Default.PluginConfig);

    [GeneratedRegex("sha256:[0-9a-f]{64}")]
    private static partial Regex DigestPattern();
}

/// <summary>One file of the plugin's rootfs: its absolute path there, and the host file it is copied from.</summary>
public sealed record RootfsFile(string PathInRootfs, string HostPath);
