namespace L2Vlan.Cli;

/// <summary>What every command's exit status means (man l2vlan, EXIT STATUS).</summary>
internal static class ExitCodes
{
    /// <summary>Done, or all is well.</summary>
    public const int Success = 0;

    /// <summary>
    /// A finding or a refusal: doctor found a problem, status a state folder it cannot read or a file in quarantine,
    /// the service or Docker refused, did not answer, or is not as it should be.
    /// </summary>
    public const int Finding = 1;

    /// <summary>The command line itself is wrong: an unknown command or option, a missing or malformed value.</summary>
    public const int Usage = 2;
}
