namespace L2Vlan.Doctor;

/// <summary>
/// One thing <c>l2vlan doctor</c> looked at: all well, or what is wrong, why it matters, and the command that fixes it
/// (one the user can paste; null when only a person can decide).
/// </summary>
public sealed record Finding(string Check, bool Ok, string What, string? Why = null, string? Fix = null)
{
    public static Finding Good(string check, string what) => new(check, true, what);

    public static Finding Problem(string check, string what, string why, string? fix) =>
        new(check, false, what, why, fix);
}
