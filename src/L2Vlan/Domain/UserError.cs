namespace L2Vlan.Domain;

/// <summary>
/// A request Docker sent on the user's behalf cannot be honoured: bad option, address taken, range full.
/// The message reaches the user through the docker CLI, so it names the option and what was expected.
/// </summary>
public sealed class UserError(string message) : Exception(message);
