using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.Ipam;
using L2Vlan.Metrics;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Protocol;

/// <summary>
/// Routes Docker's POST /Interface.Method calls to the driver and the IPAM (through <see cref="NetworkDriverCalls"/>
/// and <see cref="IpamCalls"/>, which map messages to typed calls). Calls run concurrently and the dispatcher takes no
/// lock: the driver locks per network and per bridge, the IPAM has its own lock, and the calls that read no state
/// (Plugin.Activate, the capabilities, the no-op calls) take none, so one stuck call holds up only calls on what it
/// holds. Each call is counted in <see cref="RunningCalls"/> for the watchdog, and in <see cref="CallMetrics"/> for the
/// operator. Bytes in, bytes out, so it is tested without a socket.
/// </summary>
public sealed class PluginDispatcher
{
    public readonly record struct Reply(int Status, byte[] Body)
    {
        /// <summary>Every failure goes back as <c>{"Err": "..."}</c>: Docker shows that text to the user.</summary>
        public static Reply Err(int status, string message) =>
            new(status, JsonSerializer.SerializeToUtf8Bytes(new ErrorResponse { Err = message }, Json.ErrorResponse));
    }

    private delegate Reply Handler(ReadOnlySpan<byte> body);

    private const int StatusOk = 200;
    private static readonly ProtocolJsonContext Json = ProtocolJsonContext.Default;
    private readonly Dictionary<string, Handler> _routes = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly RunningCalls _running;
    private readonly CallMetrics _calls;

    public PluginDispatcher(
        NetworkDriver driver, IpamService ipam, RunningCalls running, ILogger<PluginDispatcher> logger,
        CallMetrics? calls = null)
    {
        _logger = logger;
        _running = running;
        _calls = calls ?? new CallMetrics();
        var network = new NetworkDriverCalls(driver);
        var addresses = new IpamCalls(ipam);

        Add("/Plugin.Activate", Json.EmptyResponse, Json.ActivateResponse,
            _ => new ActivateResponse { Implements = ["NetworkDriver", "IpamDriver"] });

        // Scope local: every node keeps its own state and links. Connectivity global: the VLAN spans nodes.
        Add("/NetworkDriver.GetCapabilities", Json.EmptyResponse, Json.NetworkCapabilitiesResponse,
            _ => new NetworkCapabilitiesResponse { Scope = "local", ConnectivityScope = "global" });
        Add("/NetworkDriver.CreateNetwork", Json.CreateNetworkRequest, Json.EmptyResponse, network.CreateNetwork);
        Add("/NetworkDriver.DeleteNetwork", Json.NetworkRequest, Json.EmptyResponse, network.DeleteNetwork);
        Add("/NetworkDriver.CreateEndpoint", Json.CreateEndpointRequest, Json.CreateEndpointResponse,
            network.CreateEndpoint);
        Add("/NetworkDriver.DeleteEndpoint", Json.EndpointRequest, Json.EmptyResponse, network.DeleteEndpoint);
        Add("/NetworkDriver.EndpointOperInfo", Json.EndpointRequest, Json.EndpointOperInfoResponse,
            network.EndpointOperInfo);
        Add("/NetworkDriver.Join", Json.JoinRequest, Json.JoinResponse, network.Join);
        Add("/NetworkDriver.Leave", Json.EndpointRequest, Json.EmptyResponse, _ => EmptyResponse.Instance);
        Add("/NetworkDriver.ProgramExternalConnectivity", Json.EndpointRequest, Json.EmptyResponse,
            network.GatewayChanged);
        Add("/NetworkDriver.RevokeExternalConnectivity", Json.EndpointRequest, Json.EmptyResponse,
            network.GatewayChanged);
        // Discovery has no meaning on a plain L2 segment: accepted, nothing to do.
        Add("/NetworkDriver.DiscoverNew", Json.EmptyResponse, Json.EmptyResponse, _ => EmptyResponse.Instance);
        Add("/NetworkDriver.DiscoverDelete", Json.EmptyResponse, Json.EmptyResponse, _ => EmptyResponse.Instance);
        Add("/NetworkDriver.AllocateNetwork", Json.AllocateNetworkRequest, Json.AllocateNetworkResponse,
            r => new AllocateNetworkResponse { Options = r.Options });
        Add("/NetworkDriver.FreeNetwork", Json.NetworkRequest, Json.EmptyResponse, _ => EmptyResponse.Instance);

        Add("/IpamDriver.GetCapabilities", Json.EmptyResponse, Json.IpamCapabilitiesResponse,
            _ => new IpamCapabilitiesResponse { RequiresMACAddress = false, RequiresRequestReplay = false });
        Add("/IpamDriver.GetDefaultAddressSpaces", Json.EmptyResponse, Json.AddressSpacesResponse,
            _ => new AddressSpacesResponse
            {
                LocalDefaultAddressSpace = IpamCalls.AddressSpace,
                GlobalDefaultAddressSpace = IpamCalls.AddressSpace,
            });
        Add("/IpamDriver.RequestPool", Json.RequestPoolRequest, Json.RequestPoolResponse, addresses.RequestPool);
        Add("/IpamDriver.ReleasePool", Json.ReleasePoolRequest, Json.EmptyResponse, addresses.ReleasePool);
        Add("/IpamDriver.RequestAddress", Json.RequestAddressRequest, Json.RequestAddressResponse,
            addresses.RequestAddress);
        // The IPAM owns the address's life: it also forgets the deleted endpoint that held the address.
        Add("/IpamDriver.ReleaseAddress", Json.ReleaseAddressRequest, Json.EmptyResponse, addresses.ReleaseAddress);
    }

    public IReadOnlyCollection<string> Paths => _routes.Keys;

    public Reply Handle(string path, ReadOnlySpan<byte> body)
    {
        if (!_routes.ContainsKey(path)) return Answer(path, body);
        var counted = _calls.Begin(path);
        var reply = Answer(path, body);
        counted.End(failed: reply.Status != StatusOk);
        return reply;
    }

    private Reply Answer(string path, ReadOnlySpan<byte> body)
    {
        if (!_routes.TryGetValue(path, out var handler))
        {
            // 404 tells Docker "not implemented", which it accepts for optional calls.
            _logger.LogDebug("{Path}: not implemented", path);
            return Error(404, $"l2vlan does not implement {path}");
        }
        using (_running.Begin(path))
        {
            try
            {
                return handler(body);
            }
            catch (UserError e)
            {
                _logger.LogWarning("{Path} refused: {Message}", path, e.Message);
                return Error(500, e.Message);
            }
            catch (JsonException e)
            {
                _logger.LogWarning("{Path}: unreadable request: {Message}", path, e.Message);
                return Error(500, $"l2vlan could not read the request to {path}: {Unreadable(body, e)}");
            }
            catch (Exception e) when (IsHostFailure(e))
            {
                _logger.LogError(e, "{Path} failed", path);
                return Error(500, $"l2vlan could not complete {path}: {e.Message}");
            }
            catch (Exception e)
            {
                // A bug: its message helps nobody at the docker CLI and its stack names l2vlan's insides; the journal
                // has both.
                _logger.LogError(e, "{Path} failed", path);
                return Error(500, $"l2vlan failed on {path} with an internal error; the details are in its journal " +
                    $"(journalctl -u l2vlan)");
            }
        }
    }

    private void Add<TRequest, TResponse>(string path, JsonTypeInfo<TRequest> request, JsonTypeInfo<TResponse> response,
        Func<TRequest, TResponse> handle)
        where TRequest : class, new()
    {
        _routes[path] = body =>
        {
            _logger.LogDebug("{Path} {Body}", path, System.Text.Encoding.UTF8.GetString(body));
            // Docker sends an empty body, not "null" or "{}", for calls without arguments.
            var parsed = IsBlank(body) ? new TRequest() : JsonSerializer.Deserialize(body, request) ?? new TRequest();
            return new Reply(200, JsonSerializer.SerializeToUtf8Bytes(handle(parsed), response));
        };
    }

    private static bool IsBlank(ReadOnlySpan<byte> body) => body.Trim(" \t\r\n"u8).IsEmpty;

    /// <summary>
    /// What was wrong with a body that did not deserialize, without the serializer's own words (they name
    /// l2vlan's types): not JSON at all, or JSON with a value of another type than Docker sends.
    /// </summary>
    private static string Unreadable(ReadOnlySpan<byte> body, JsonException e)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowTrailingCommas = true });
        try
        {
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return $"the request body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})";
        }
        return e.Path is null or "$" ? "the request body is not a JSON object"
            : $"{e.Path.TrimStart('$', '.')} has another JSON type than Docker sends";
    }

    /// <summary>
    /// The host refused (the kernel, the disk, iptables): the message is the system's or l2vlan's own, and tells
    /// the operator what to look at. Anything else is a bug.
    /// </summary>
    private static bool IsHostFailure(Exception e) =>
        e is IOException or InvalidOperationException or InvalidDataException
            || e.GetType().Assembly == typeof(PluginDispatcher).Assembly;

    private static Reply Error(int status, string message) => Reply.Err(status, message);
}
