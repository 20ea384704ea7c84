namespace L2Vlan.Policy;

/// <summary>
/// The policy in force, swapped whole when a file that parsed replaces it (at start and at <c>l2vlan reload</c>):
/// a call reads one policy, never half of an old and half of a new one.
/// </summary>
public sealed class CurrentPolicy(string path = AdminPolicy.DefaultPath)
{
    private volatile AdminPolicy _value = AdminPolicy.Defaults;

    /// <summary>The file the policy is read from, named in refusals.</summary>
    public string Path => path;

    public AdminPolicy Value => _value;

    public void Set(AdminPolicy policy) => _value = policy;
}
