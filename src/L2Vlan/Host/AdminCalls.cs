using System.Net.Sockets;
using System.Text.Json;
using L2Vlan.Clients;
using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.Policy;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Host;

/// <summary>
/// The calls the l2vlan CLI makes on the service's socket: <c>l2vlan forget</c>, which must run in the service
/// because the service owns the state (one service per state folder, <see cref="ServiceLock"/>) and the network is
/// dropped by the driver's own delete, under its locks; and the running service's version, which
/// <c>l2vlan doctor</c> compares with its own (a package upgrade whose service was never restarted); and
/// <c>l2vlan reload</c> (the unit's ExecReload), which has the service read its policy file again and answers whether
/// it was refused, so that <c>systemctl reload l2vlan</c> fails visibly on a file that does not parse.
/// </summary>
public sealed class AdminCalls(
    NetworkDriver driver,
    IDockerNetworks docker,
    ILogger<AdminCalls> logger,
    PolicyLoader? policy = null)
{
    public const string ForgetPath = "/L2Vlan.Forget";
    public const string VersionPath = "/L2Vlan.Version";
    public const string ReloadPath = "/L2Vlan.Reload";

    /// <summary>How long Docker may take to list its networks before forget gives up asking.</summary>
    public static readonly TimeSpan DockerWait = TimeSpan.FromSeconds(10);

    public static bool Serves(string path) => path is ForgetPath or VersionPath or ReloadPath;

    /// <summary>Status and JSON body of the answer.</summary>
    public async Task<(int Status, byte[] Body)> HandleAsync(string path, ReadOnlyMemory<byte> body,
        CancellationToken cancel)
    {
        if (path == VersionPath)
        {
            var version = new VersionResponse { Version = BuildInfo.Version };
            return (200, JsonSerializer.SerializeToUtf8Bytes(version, AdminJsonContext.Default.VersionResponse));
        }
        if (path == ReloadPath) return Reload();
        ForgetResponse response;
        int status;
        try
        {
            var request = JsonSerializer.Deserialize(body.Span, AdminJsonContext.Default.ForgetRequest)
                ?? new ForgetRequest();
            response = new ForgetResponse { NetworkId = await ForgetAsync(request, cancel) };
            status = 200;
        }
        catch (Exception e) when (e is UserError or JsonException)
        {
            logger.LogWarning("{Path} refused: {Message}", path, e.Message);
            (response, status) = (new ForgetResponse
            {
                Err = e is JsonException ? "the request is not a forget request" : e.Message,
            }, 400);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            logger.LogWarning("{Path} abandoned: the l2vlan command went away before Docker answered; nothing was " +
                "forgotten", path);
            (response, status) = (new ForgetResponse
            {
                Err = "the l2vlan command went away before Docker answered; nothing was forgotten",
            }, 400);
        }
        catch (Exception e)
        {
            // Only l2vlan's own words go back: an unexpected exception's message may quote anything (a path, a file's
            // text).
            logger.LogError(e, "{Path} failed", path);
            const string Unfinished = "l2vlan could not finish forgetting the network; the reason is in its journal " +
                "(journalctl -u l2vlan)";
            (response, status) = (new ForgetResponse { Err = Unfinished }, 500);
        }
        return (status, JsonSerializer.SerializeToUtf8Bytes(response, AdminJsonContext.Default.ForgetResponse));
    }

    private (int Status, byte[] Body) Reload()
    {
        ReloadResponse response;
        int status;
        try
        {
            var loader = policy ?? throw new PolicyFileException("this service reads no policy file");
            response = new ReloadResponse { Policy = loader.Reload().Summary() };
            status = 200;
        }
        catch (PolicyFileException e)
        {
            (response, status) = (new ReloadResponse { Err = $"{e.Message}; the policy in force stays" }, 400);
        }
        return (status, JsonSerializer.SerializeToUtf8Bytes(response, AdminJsonContext.Default.ReloadResponse));
    }

    public async Task<string> ForgetAsync(ForgetRequest request, CancellationToken cancel)
    {
        var id = Resolve(driver.Networks.Select(n => n.NetworkId), request.Network);
        IReadOnlyList<DockerNetwork>? known = null;
        using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancel))
        {
            bounded.CancelAfter(DockerWait);
            try
            {
                known = await docker.ListNetworksAsync(bounded.Token);
            }
            // Docker's failure, its time limit included; not the caller's going away (cancel), which stops the forget.
            catch (Exception e) when (!cancel.IsCancellationRequested
                && e is HttpRequestException or DockerApiException or OperationCanceledException or InvalidDataException
                    or JsonException or IOException)
            {
                logger.LogWarning("Docker could not be asked whether it still knows network {Network}: {Message}", id,
                    e.Message);
                if (!request.Force)
                {
                    throw new UserError($"Docker could not be asked whether it still knows network {id} " +
                        $"({Reason(e)}); start Docker and try again, or add --force if this host's Docker will not " +
                            $"know it again");
                }
                logger.LogWarning("Forgetting network {Network} without asking Docker (--force): {Reason}", id,
                    Reason(e));
            }
        }
        if (known?.FirstOrDefault(n => n.Id == id) is { } still)
        {
            throw new UserError($"Docker still knows network {id} (\"{still.Name}\"); remove it with docker network " +
                $"rm {still.Name}, and l2vlan drops it then");
        }
        if (!driver.ForgetNetwork(id)) throw new UserError($"l2vlan keeps no network {id} any more");
        return id;
    }

    /// <summary>The one recorded ID equal to <paramref name="wanted"/> or starting with it, as docker's CLI takes a
    /// short ID.</summary>
    public static string Resolve(IEnumerable<string> ids, string wanted)
    {
        wanted = wanted.Trim();
        if (wanted.Length == 0)
            throw new UserError("name the network to forget: its ID as l2vlan status shows it, or the start of it");
        var all = ids.ToList();
        if (all.Contains(wanted)) return wanted;
        var matches = all.Where(id => id.StartsWith(wanted, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new UserError($"l2vlan keeps no network whose ID starts with '{wanted}' (l2vlan status lists " +
                $"them)"),
            _ => throw new UserError($"'{wanted}' starts {matches.Count} network IDs ({string.Join(", ", matches)}); " +
                $"give more of the ID"),
        };
    }

    /// <summary>Why Docker could not be asked, in l2vlan's words only; the exception's own message goes to the
    /// journal.</summary>
    private string Reason(Exception e) => e switch
    {
        OperationCanceledException => $"no answer within {DockerWait.TotalSeconds:0} s",
        HttpRequestException when docker is DockerEngineClient client
            && !File.Exists(client.SocketPath) => "Docker's socket does not exist",
        HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } =>
            "nothing listens on Docker's socket",
        HttpRequestException => "Docker's socket did not answer",
        DockerApiException api => $"Docker answered HTTP {api.Status}",
        IOException => "the connection to Docker broke",
        _ => "Docker's answer could not be read",
    };
}
