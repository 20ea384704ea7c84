namespace L2Vlan.Protocol;

/// <summary>
/// The Err of a request refused before any handler saw it: by l2vlan's HTTP front (a method other than POST, a
/// body over <see cref="RequestLimits.MaxBodyBytes"/> or too slow) or by Kestrel itself (HTTP it cannot parse).
/// Docker shows a failed call's Err to the user, so each says what was wrong with the request.
/// </summary>
public static class Refusals
{
    public static PluginDispatcher.Reply For(int status) => PluginDispatcher.Reply.Err(status, Message(status));

    public static string Message(int status) => status switch
    {
        400 => "l2vlan refused the request: it is not valid HTTP/1.1 (Docker's plugin calls are POST " +
            "/<Interface>.<Method> with a JSON body)",
        405 => "l2vlan refused the request: only POST is served (Docker's plugin calls are POST /<Interface>.<Method>)",
        408 => "l2vlan refused the request: it did not arrive in time",
        411 => "l2vlan refused the request: it has no Content-Length",
        413 => $"l2vlan refused the request: the request body exceeds {RequestLimits.MaxBodyBytes} bytes",
        414 => $"l2vlan refused the request: the request line exceeds {RequestLimits.MaxRequestLineBytes} bytes",
        431 => $"l2vlan refused the request: its headers exceed {RequestLimits.MaxHeaderBytes} bytes or " +
            $"{RequestLimits.MaxHeaderCount} fields",
        505 => "l2vlan refused the request: only HTTP/1.1 is served",
        >= 500 => "l2vlan failed with an internal error; the details are in its journal (journalctl -u l2vlan)",
        _ => $"l2vlan refused the request (HTTP status {status})",
    };
}
