using L2Vlan.Clients;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Adapter;

/// <summary>What <c>l2vlan adapter install</c> did.</summary>
public enum InstallOutcome
{
    /// <summary>Registered with the same digest and enabled: nothing was done.</summary>
    UpToDate,
    /// <summary>Registered with the same digest but disabled: enabled.</summary>
    Enabled,
    /// <summary>Not registered: created and enabled.</summary>
    Installed,
    /// <summary>Registered with another digest (another l2vlan, or made by hand): removed, created and
    /// enabled.</summary>
    Replaced,
}

/// <summary>What <c>l2vlan adapter status</c> found.</summary>
public enum AdapterState
{
    Missing,
    UpToDate,
    Disabled,
    Outdated,
}

/// <summary>
/// Keeps Docker's copy of the swarm adapter equal to this l2vlan's: decides from what Docker reports and the
/// digest in the plugin's description, so running it on every Docker start costs one inspect.
/// </summary>
public sealed class AdapterInstaller(IDockerPlugins docker, ILogger logger)
{
    private const string Reference = AdapterSettings.PluginReference;

    public async Task<AdapterState> StatusAsync(PluginBundle bundle, CancellationToken cancel)
    {
        var current = await docker.InspectAsync(Reference, cancel);
        return current is null ? AdapterState.Missing
            : PluginBundle.DigestIn(current.Description) != bundle.Digest ? AdapterState.Outdated
            : current.Enabled ? AdapterState.UpToDate
            : AdapterState.Disabled;
    }

    public async Task<InstallOutcome> InstallAsync(PluginBundle bundle, CancellationToken cancel)
    {
        var current = await docker.InspectAsync(Reference, cancel);
        if (current is not null && PluginBundle.DigestIn(current.Description) == bundle.Digest)
        {
            if (current.Enabled)
            {
                logger.LogInformation("{Plugin} is registered and enabled, content {Digest}: nothing to do", Reference,
                    bundle.Digest);
                return InstallOutcome.UpToDate;
            }
            await docker.EnableAsync(Reference, cancel);
            logger.LogInformation("{Plugin} enabled", Reference);
            return InstallOutcome.Enabled;
        }

        if (current is not null)
        {
            // Docker keeps swarm networks by driver name, not plugin ID: they use the new plugin once it is enabled.
            logger.LogInformation("{Plugin} has content {Old}, this l2vlan's is {New}: replacing it",
                Reference, PluginBundle.DigestIn(current.Description) ?? "(none)", bundle.Digest);
            await docker.RemoveAsync(Reference, force: true, cancel);
        }

        using (var tar = new MemoryStream())
        {
            bundle.WriteTar(tar);
            tar.Position = 0;
            await docker.CreateAsync(Reference, tar, cancel);
        }
        await docker.EnableAsync(Reference, cancel);
        logger.LogInformation("{Plugin} registered and enabled, content {Digest}", Reference, bundle.Digest);
        return current is null ? InstallOutcome.Installed : InstallOutcome.Replaced;
    }

    /// <summary>Unregisters the adapter; without <paramref name="force"/> Docker refuses while swarm networks use
    /// it.</summary>
    public async Task<bool> RemoveAsync(bool force, CancellationToken cancel)
    {
        var current = await docker.InspectAsync(Reference, cancel);
        if (current is null)
        {
            logger.LogInformation("{Plugin} is not registered: nothing to do", Reference);
            return false;
        }
        if (!force && current.Enabled) await docker.DisableAsync(Reference, cancel);
        await docker.RemoveAsync(Reference, force, cancel);
        logger.LogInformation("{Plugin} removed", Reference);
        return true;
    }
}
