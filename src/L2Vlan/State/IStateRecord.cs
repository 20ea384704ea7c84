namespace L2Vlan.State;

/// <summary>
/// A record of a state file. JSON checks the file's shape and the converters its values, but a null where the
/// record needs a value (<c>"NetworkId": null</c>, an endpoint that is <c>null</c>) reads without an error and fails
/// later, far from the file: at start, that stopped the service. <see cref="JsonFileCollection{T}"/> asks each record
/// it reads, and quarantines the file of one that is not whole as it does an unparsable one.
/// </summary>
public interface IStateRecord
{
    /// <summary>What the record lacks (the field that is null), or null when it is whole.</summary>
    string? Problem();
}
