using System.Text;
using L2Vlan.Metrics;
using Microsoft.AspNetCore.Http;

namespace L2Vlan.Host;

/// <summary>
/// GET /metrics on the service's socket: the protocol calls' counters (<see cref="CallMetrics"/>) as Prometheus text,
/// for a scraper, <c>l2vlan status --calls</c> and the VM bench alike. The only GET the socket serves; Docker's calls
/// and the other admin calls (<see cref="AdminCalls"/>) are POSTs.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static bool Serves(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Value == Path;

    public static async Task WriteAsync(HttpContext context, CallMetrics metrics)
    {
        var body = Encoding.UTF8.GetBytes(PrometheusText.Write(metrics.Snapshot()));
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = PrometheusText.ContentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }
}
