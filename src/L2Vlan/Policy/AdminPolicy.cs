using L2Vlan.Domain;
using L2Vlan.Firewall;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Policy;

/// <summary>
/// What the host's administrator allows Docker users and how the service behaves, from <c>/etc/l2vlan/l2vlan.conf</c>
/// (<see cref="PolicyFile"/>). A null list allows any value, as without the file.
/// </summary>
public sealed record AdminPolicy(
    IReadOnlyList<string>? ExtIfs,
    IReadOnlyList<VlanRange>? Vlans,
    bool Dad,
    LogLevel? LogLevel,
    NftablesChain? NftablesChain)
{
    public const string DefaultPath = "/etc/l2vlan/l2vlan.conf";

    public const string ExtIfSetting = "allowed_ext_if";
    public const string VlansSetting = "allowed_vlans";
    public const string DadSetting = "dad";
    public const string LogLevelSetting = "log_level";
    public const string NftablesChainSetting = "nftables_chain";

    public static readonly IReadOnlyList<string> Settings =
        [ExtIfSetting, VlansSetting, DadSetting, LogLevelSetting, NftablesChainSetting];

    /// <summary>No file: any NIC, any VLAN, duplicate address detection on, no nftables chain.</summary>
    public static readonly AdminPolicy Defaults = new(null, null, true, null, null);

    public bool AllowsExtIf(string extIf) => ExtIfs is null || ExtIfs.Contains(extIf, StringComparer.Ordinal);

    public bool AllowsVlan(int vlanId) => Vlans is null || Vlans.Any(r => r.Contains(vlanId));

    /// <summary>Refuses a new network outside the policy, naming the setting and what it allows.</summary>
    public void Check(string extIf, int vlanId, string path)
    {
        const string ask = "(ask the host's administrator)";
        if (!AllowsExtIf(extIf))
        {
            throw new UserError($"-o ext_if={extIf} is not allowed on this host: {Shown(ExtIfSetting)} in {path} " +
                ask);
        }
        if (!AllowsVlan(vlanId))
        {
            throw new UserError($"-o vlan_id={vlanId} is not allowed on this host: {Shown(VlansSetting)} in {path} " +
                ask);
        }
    }

    /// <summary>The settings a network with this NIC and VLAN is outside of; none when it is allowed.</summary>
    public IReadOnlyList<string> Breaches(string extIf, int vlanId) =>
        [
            .. AllowsExtIf(extIf) ? [] : new[] { Shown(ExtIfSetting) },
            .. AllowsVlan(vlanId) ? [] : new[] { Shown(VlansSetting) },
        ];

    /// <summary>A setting as the file would say it, from the parsed value (never the file's own text).</summary>
    public string Shown(string setting) => setting switch
    {
        ExtIfSetting => $"{ExtIfSetting} = {(ExtIfs is null ? "any" : string.Join(", ", ExtIfs))}",
        VlansSetting => $"{VlansSetting} = {(Vlans is null ? "any" : string.Join(", ", Vlans))}",
        DadSetting => $"{DadSetting} = {(Dad ? "on" : "off")}",
        LogLevelSetting => $"{LogLevelSetting} = {LogLevel?.ToString().ToLowerInvariant() ?? "unset"}",
        NftablesChainSetting => $"{NftablesChainSetting} = {NftablesChain?.ToString() ?? "unset"}",
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "not a setting"),
    };

    /// <summary>Every setting, for the journal and <c>l2vlan reload</c>'s answer.</summary>
    public string Summary() => string.Join("; ", Settings.Select(Shown));
}
