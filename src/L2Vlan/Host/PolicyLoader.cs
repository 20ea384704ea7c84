using L2Vlan.Policy;
using L2Vlan.Driver;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Host;

/// <summary>
/// Reads the policy file at start and at <c>l2vlan reload</c> (systemd's ExecReload) and puts it in force whole: a
/// file that does not parse is refused with its line number, and the policy in force stays. A missing file is the
/// defaults. Networks made before the policy tightened keep working; each start and reload names them in the journal.
/// </summary>
public sealed class PolicyLoader(
    CurrentPolicy current,
    LogLevelSwitch logLevel,
    NetworkDriver driver,
    ILogger<PolicyLoader> logger)
{
    /// <summary>
    /// At start, before the state is read: throws <see cref="PolicyFileException"/>, and the service does not start.
    /// </summary>
    public AdminPolicy Load()
    {
        var policy = PolicyFile.Read(current.Path);
        PutInForce(policy);
        return policy;
    }

    /// <summary>A new policy in force, or <see cref="PolicyFileException"/> with the old one still in force.</summary>
    public AdminPolicy Reload()
    {
        AdminPolicy policy;
        try
        {
            policy = PolicyFile.Read(current.Path);
        }
        catch (PolicyFileException e)
        {
            logger.LogError("Reload refused: {Reason}; the policy in force stays ({Policy})",
                e.Message, current.Value.Summary());
            throw;
        }
        PutInForce(policy);
        ReportNetworksOutside();
        return policy;
    }

    private void PutInForce(AdminPolicy policy)
    {
        current.Set(policy);
        logLevel.FollowPolicy(policy.LogLevel);
        var overridden = logLevel.FromPolicy || policy.LogLevel is null
            ? ""
            : $" (log level {logLevel.Level} from --log-level or L2VLAN_LOG_LEVEL)";
        logger.LogInformation("Policy from {Path}: {Policy}{Fixed}", current.Path, policy.Summary(), overridden);
    }

    /// <summary>
    /// Names the recorded networks the policy would refuse now: they keep working, new ones like them are refused.
    /// </summary>
    public void ReportNetworksOutside()
    {
        var policy = current.Value;
        foreach (var network in driver.Networks)
        {
            var breaches = policy.Breaches(network.ExtIf, network.VlanId);
            if (breaches.Count == 0) continue;
            logger.LogWarning("Network {Network} (ext_if {ExtIf}, VLAN {VlanId}) is outside the policy ({Settings}); " +
                "it keeps working, and a new network like it is refused",
                network.NetworkId, network.ExtIf, network.VlanId, string.Join("; ", breaches));
        }
    }
}
