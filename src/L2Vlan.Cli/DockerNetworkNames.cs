using System.Text.Json;
using L2Vlan.Clients;
using L2Vlan.Host;

namespace L2Vlan.Cli;

/// <summary>The names Docker gives the networks l2vlan keeps by ID, for <c>l2vlan status</c>: asked once,
/// briefly.</summary>
internal static class DockerNetworkNames
{
    /// <summary>A person is waiting: Docker answers GET /networks in milliseconds, or is not there.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);

    /// <summary>Network ID to name, or null and why when Docker did not answer.</summary>
    public static async Task<(IReadOnlyDictionary<string, string>? Names, string? Error)> ReadAsync(string dockerSocket,
        CancellationToken cancel)
    {
        using var docker = new DockerEngineClient(dockerSocket, Wait);
        try
        {
            var networks = await docker.ListNetworksAsync(cancel);
            return (networks.Where(n => n.Id.Length > 0).DistinctBy(n => n.Id)
                .ToDictionary(n => n.Id, n => n.Name, StringComparer.Ordinal), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return (null, ServiceClient.Unreachable(e, dockerSocket));
        }
        catch (Exception e) when (e is DockerApiException or InvalidDataException or JsonException)
        {
            return (null, e.Message);
        }
    }
}
