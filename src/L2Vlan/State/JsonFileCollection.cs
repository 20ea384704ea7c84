using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace L2Vlan.State;

/// <summary>
/// A folder of JSON files, one per record. A write replaces a file atomically (see <see cref="AtomicFile"/>),
/// so a crash leaves the old or the new record, never a torn one. A file that cannot be read, or holds a record
/// that is not whole (<see cref="IStateRecord.Problem"/>), is moved to <c>quarantine/</c> and reported, and the other
/// records load as usual.
/// </summary>
public sealed class JsonFileCollection<T>(string directory, JsonTypeInfo<T> typeInfo, ILogger logger) where T : class,
    IStateRecord
{
    private const string Extension = ".json";

    public string Directory { get; } = directory;

    public string QuarantineDirectory => Path.Combine(Directory, "quarantine");

    /// <summary>The keys of the files the last <see cref="LoadAll"/> moved to quarantine: their records are lost to the
    /// service.</summary>
    public IReadOnlyList<string> QuarantinedAtLoad { get; private set; } = [];

    /// <summary>
    /// Every readable record; unreadable files are quarantined, and temporary files of writes that a crash cut short
    /// are deleted. For the service, which owns the folder.
    /// </summary>
    public IReadOnlyList<(string Key, T Value)> LoadAll()
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (AtomicFile.DeleteAbandoned(Directory) is var abandoned and > 0)
        {
            logger.LogInformation("Deleted {Count} temporary files of writes cut short in {Directory}", abandoned,
                Directory);
        }
        return Read(quarantineBroken: true);
    }

    /// <summary>
    /// The files in quarantine now, moved there at this start or an earlier one: until someone repairs and moves
    /// them back, or deletes them, their records may still describe links and addresses that are in use.
    /// </summary>
    public IReadOnlyList<string> QuarantinedFiles() =>
        System.IO.Directory.Exists(QuarantineDirectory)
            ? System.IO.Directory.EnumerateFiles(QuarantineDirectory).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>The keys of the files in quarantine (see <see cref="QuarantinedFiles"/>), each once.</summary>
    public IReadOnlyList<string> QuarantinedKeys() =>
        QuarantinedFiles().Select(Path.GetFileName).OfType<string>()
            .Select(name => name.IndexOf(Extension + ".", StringComparison.Ordinal) is var end and > 0
                ? name[..end]
                : null)
            .OfType<string>().Distinct().ToList();

    /// <summary>Every readable record, touching nothing; unreadable files are skipped.</summary>
    public IReadOnlyList<(string Key, T Value)> Peek() => Read(quarantineBroken: false);

    private List<(string Key, T Value)> Read(bool quarantineBroken)
    {
        var paths = System.IO.Directory.EnumerateFiles(Directory, "*" + Extension)
            .Where(path => !Path.GetFileName(path).StartsWith('.'))
            .Order(StringComparer.Ordinal).ToArray();
        // Read and parsed on every core: a start with thousands of networks and pools spent most of its time here.
        var read = new (T? Value, Exception? Problem)[paths.Length];
        Parallel.For(0, paths.Length, i => read[i] = ReadOne(paths[i]));
        var loaded = new List<(string, T)>(paths.Length);
        var quarantined = new List<string>();
        for (var i = 0; i < paths.Length; i++)
        {
            var key = Path.GetFileNameWithoutExtension(paths[i]);
            if (read[i].Value is { } value)
            {
                loaded.Add((key, value));
                continue;
            }
            if (!quarantineBroken) continue;
            Quarantine(paths[i], read[i].Problem!);
            quarantined.Add(key);
        }
        if (quarantineBroken) QuarantinedAtLoad = quarantined;
        return loaded;
    }

    /// <summary>The record of <paramref name="key"/> as its file holds it; null when there is none or it cannot be
    /// read.</summary>
    public T? Read(string key) => ReadOne(PathOf(key)).Value;

    private (T? Value, Exception? Problem) ReadOne(string path)
    {
        try
        {
            var value = JsonSerializer.Deserialize(File.ReadAllBytes(path), typeInfo)
                ?? throw new JsonException("the file holds null");
            if (value.Problem() is { } problem) throw new InvalidDataException(problem);
            return (value, null);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException
            or UnauthorizedAccessException or InvalidOperationException)
        {
            return (null, e);
        }
    }

    public void Save(string key, T value)
    {
        System.IO.Directory.CreateDirectory(Directory);
        AtomicFile.Write(PathOf(key), JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
    }

    /// <summary>Removes the record; a record already gone is not an error.</summary>
    public void Delete(string key) => AtomicFile.Delete(PathOf(key));

    public string PathOf(string key) => Path.Combine(Directory, key + Extension);

    /// <summary>
    /// Moves a record's file to quarantine at load, for a reason found beside the file (its pool's journal): it counts
    /// among <see cref="QuarantinedAtLoad"/>, and the record is not served.
    /// </summary>
    public void QuarantineAtLoad(string key, string problem)
    {
        Quarantine(PathOf(key), problem);
        QuarantinedAtLoad = [.. QuarantinedAtLoad, key];
    }

    private void Quarantine(string path, Exception problem) => Quarantine(path, problem.Message);

    private void Quarantine(string path, string problem)
    {
        System.IO.Directory.CreateDirectory(QuarantineDirectory);
        var target = Path.Combine(QuarantineDirectory,
            $"{Path.GetFileName(path)}.{DateTime.UtcNow:yyyyMMddTHHmmssfffZ}");
        File.Move(path, target);
        logger.LogError("State file {Path} could not be read ({Problem}); moved it to {Target}. Its record is not " +
            "served until it is repaired and moved back.",
            path, problem, target);
    }
}
