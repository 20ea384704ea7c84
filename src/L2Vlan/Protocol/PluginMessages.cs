namespace L2Vlan.Protocol;

// Plugin handshake. Docker asks once per dockerd lifetime, with an empty body.
public sealed class ActivateResponse
{
    public required string[] Implements { get; init; }
}

/// <summary>The reply of every call that has nothing to say: <c>{}</c>.</summary>
public sealed class EmptyResponse
{
    public static readonly EmptyResponse Instance = new();
}

/// <summary>Every failure goes back as HTTP 500 with this body; Docker shows <c>Err</c> to the user.</summary>
public sealed class ErrorResponse
{
    public required string Err { get; init; }
}
