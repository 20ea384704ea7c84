using L2Vlan.Domain;

namespace L2Vlan.Protocol;

/// <summary>
/// The fields of Docker's messages that a call needs. JSON lets any of them be null, an element of a list or
/// a value of a map included; such a request is refused with the field's name rather than failing deep inside.
/// </summary>
public static class Required
{
    public static string Value(string? value, string field) => value ?? throw Null(field);

    /// <summary>The elements of a list with the name of each (<c>IPv4Data[0]</c>); a missing list has none.</summary>
    public static IEnumerable<(T Item, string Field)> Items<T>(IReadOnlyList<T?>? list, string field) where T : class
    {
        for (var i = 0; i < (list?.Count ?? 0); i++)
            yield return (list![i] ?? throw Null($"{field}[{i}]"), $"{field}[{i}]");
    }

    /// <summary>The values of a map; a missing map has none.</summary>
    public static IEnumerable<string> Values(IReadOnlyDictionary<string, string?>? map, string field) =>
        (map ?? new Dictionary<string, string?>()).Select(entry => entry.Value ?? throw Null($"{field}[{entry.Key}]"));

    private static UserError Null(string field) => new($"Docker's request is not usable: {field} is null");
}
