namespace L2Vlan.Driver;

/// <summary>
/// TEMPORARY (issue 11, until the driver has its per-network and per-bridge locks): the one lock that every plugin
/// call and every restore after a link event take, so that a restore never runs in the middle of a plugin call.
/// The dispatcher and <see cref="StateRecovery"/> share this singleton.
/// </summary>
public sealed class ServiceGate
{
    private readonly Lock _lock = new();

    public Lock.Scope Enter() => _lock.EnterScope();
}
