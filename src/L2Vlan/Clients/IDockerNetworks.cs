namespace L2Vlan.Clients;

/// <summary>Docker's networks, read-only: what <c>l2vlan forget</c> and <c>l2vlan doctor</c> hold l2vlan's records
/// against.</summary>
public interface IDockerNetworks
{
    /// <summary>GET /networks: every network this dockerd knows, of any driver.</summary>
    Task<IReadOnlyList<DockerNetwork>> ListNetworksAsync(CancellationToken cancel);
}

/// <summary>A network as Docker lists it.</summary>
public sealed record DockerNetwork(string Id, string Name, string Driver);
