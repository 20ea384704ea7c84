namespace L2Vlan.Policy;

/// <summary>
/// The policy file cannot be used: it does not parse (the message names the line and what was expected there, never
/// the line's value) or cannot be read. Nothing of it is applied.
/// </summary>
public sealed class PolicyFileException(string message) : Exception(message);
