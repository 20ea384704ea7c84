namespace L2Vlan.Clients;

/// <summary>The few plugin operations of Docker's Engine API the adapter needs.</summary>
public interface IDockerPlugins
{
    /// <summary>GET /plugins/{name}/json; null when Docker has no such plugin.</summary>
    Task<InstalledPlugin?> InspectAsync(string reference, CancellationToken cancel);

    /// <summary>POST /plugins/create?name= with a tar of config.json and rootfs/.</summary>
    Task CreateAsync(string reference, Stream tar, CancellationToken cancel);

    /// <summary>POST /plugins/{name}/enable: Docker starts it and waits for its socket.</summary>
    Task EnableAsync(string reference, CancellationToken cancel);

    /// <summary>DELETE /plugins/{name}; with force also when enabled and in use.</summary>
    Task RemoveAsync(string reference, bool force, CancellationToken cancel);

    /// <summary>POST /plugins/{name}/disable; Docker refuses while networks use it.</summary>
    Task DisableAsync(string reference, CancellationToken cancel);
}

/// <summary>What Docker says about an installed plugin.</summary>
public sealed record InstalledPlugin(string Id, string Name, bool Enabled, string? Description);

/// <summary>Docker answered an Engine API call with an error.</summary>
public sealed class DockerApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
