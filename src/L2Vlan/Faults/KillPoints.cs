namespace L2Vlan.Faults;

/// <summary>
/// The steps that change the disk, the links or the firewall, named so the kill-point suite can SIGKILL the
/// service at each of them and prove that the next start recovers. With
/// <c>L2VLAN_TEST_KILL_AT=&lt;point&gt;:&lt;n&gt;</c>
/// in its environment the process kills itself the n-th time it reaches that point; without it (always, outside
/// the suite) reaching a point costs one static bool check.
/// </summary>
public static class KillPoints
{
    public const string StateWriteBeforeRename = "state-write-before-rename";
    public const string StateWriteAfterRename = "state-write-after-rename";
    public const string StateDeleteBefore = "state-delete-before";
    public const string StateDeleteAfter = "state-delete-after";
    public const string LinkCreateBefore = "link-create-before";
    public const string LinkCreateAfter = "link-create-after";
    public const string LinkEnslaveBefore = "link-enslave-before";
    public const string LinkEnslaveAfter = "link-enslave-after";
    public const string LinkDeleteBefore = "link-delete-before";
    public const string LinkDeleteAfter = "link-delete-after";
    public const string FirewallInsertBefore = "firewall-insert-before";
    public const string FirewallInsertAfter = "firewall-insert-after";
    public const string FirewallDeleteBefore = "firewall-delete-before";
    public const string FirewallDeleteAfter = "firewall-delete-after";
    public const string JournalSyncBefore = "journal-sync-before";
    public const string JournalSyncAfter = "journal-sync-after";
    public const string JournalCompactAfterSnapshot = "journal-compact-after-snapshot";
    public const string JournalCompactAfterTruncate = "journal-compact-after-truncate";

    public const string Variable = "L2VLAN_TEST_KILL_AT";

    /// <summary>Every point, so the suite can go through them all and check that each was reached.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        StateWriteBeforeRename, StateWriteAfterRename, StateDeleteBefore, StateDeleteAfter,
        LinkCreateBefore, LinkCreateAfter, LinkEnslaveBefore, LinkEnslaveAfter, LinkDeleteBefore, LinkDeleteAfter,
        FirewallInsertBefore, FirewallInsertAfter, FirewallDeleteBefore, FirewallDeleteAfter,
        JournalSyncBefore, JournalSyncAfter, JournalCompactAfterSnapshot, JournalCompactAfterTruncate,
    ];

    private static readonly string? ArmedPoint;
    private static readonly bool Armed;
    private static int Remaining;

    static KillPoints()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(value)) return;
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !All.Contains(value[..colon]) || !int.TryParse(value[(colon + 1)..], out var n) || n < 1)
        {
            throw new InvalidOperationException($"{Variable}={value}: expected <point>:<n> with n ≥ 1 and a point of " +
                $"{string.Join(", ", All)}");
        }
        ArmedPoint = value[..colon];
        Remaining = n;
        Armed = true;
    }

    /// <summary>
    /// Called at every point reached, in the process: the power-loss suite builds there the folder a power cut would
    /// leave. Null outside it.
    /// </summary>
    public static Action<string>? Observer { get; set; }

    /// <summary>Set by an in-process suite: journals compact early, as under an armed point
    /// (<see cref="IsArmed"/>).</summary>
    public static bool CompactEarly { get; set; }

    /// <summary>
    /// Whether the suite armed a point (or asked for <see cref="CompactEarly"/>). The pool journals then compact after
    /// a few records, not after 64 KiB, so that the suites' short cycles reach the compaction's points too.
    /// </summary>
    public static bool IsArmed => Armed || CompactEarly;

    public static void Reach(string point)
    {
        Observer?.Invoke(point);
        if (!Armed) return;
        if (point == ArmedPoint && Interlocked.Decrement(ref Remaining) == 0)
            Interop.Libc.Kill(Environment.ProcessId, Interop.Libc.SIGKILL);
    }
}
