using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace L2Vlan.State;

/// <summary>
/// A folder of JSON files, one per record. A write replaces a file atomically (see <see cref="AtomicFile"/>),
/// so a crash leaves the old or the new record, never a torn one. A file that cannot be read is moved
/// to <c>quarantine/</c> and reported, and the other records load as usual.
/// </summary>
public sealed class JsonFileCollection<T>(string directory, JsonTypeInfo<T> typeInfo, ILogger logger) where T : class
{
    private const string Extension = ".json";

    public string Directory { get; } = directory;

    public string QuarantineDirectory => Path.Combine(Directory, "quarantine");

    /// <summary>Every readable record; unreadable files are quarantined. For the service, which owns the folder.</summary>
    public IReadOnlyList<(string Key, T Value)> LoadAll()
    {
        System.IO.Directory.CreateDirectory(Directory);
        return Read(quarantineBroken: true);
    }

    /// <summary>Every readable record, touching nothing; unreadable files are skipped.</summary>
    public IReadOnlyList<(string Key, T Value)> Peek() => Read(quarantineBroken: false);

    private List<(string Key, T Value)> Read(bool quarantineBroken)
    {
        var loaded = new List<(string, T)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*" + Extension).Order(StringComparer.Ordinal))
        {
            var key = Path.GetFileNameWithoutExtension(path);
            if (key.StartsWith('.')) continue;
            try
            {
                var value = JsonSerializer.Deserialize(File.ReadAllBytes(path), typeInfo)
                    ?? throw new JsonException("the file holds null");
                loaded.Add((key, value));
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                if (quarantineBroken) Quarantine(path, e);
            }
        }
        return loaded;
    }

    public void Save(string key, T value)
    {
        System.IO.Directory.CreateDirectory(Directory);
        AtomicFile.Write(PathOf(key), JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
    }

    /// <summary>Removes the record; a record already gone is not an error.</summary>
    public void Delete(string key) => AtomicFile.Delete(PathOf(key));

    public string PathOf(string key) => Path.Combine(Directory, key + Extension);

    private void Quarantine(string path, Exception problem)
    {
        System.IO.Directory.CreateDirectory(QuarantineDirectory);
        var target = Path.Combine(QuarantineDirectory, $"{Path.GetFileName(path)}.{DateTime.UtcNow:yyyyMMddTHHmmssfffZ}");
        File.Move(path, target);
        logger.LogError("State file {Path} could not be read ({Problem}); moved it to {Target}. Its network is not served until it is repaired and moved back.",
            path, problem.Message, target);
    }
}
