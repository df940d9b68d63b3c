using System.Collections.Immutable;

namespace VhdKit.Operations;

/// <summary>What a repair did (or, in a dry run, would do).</summary>
/// <param name="Path">The file's absolute path.</param>
/// <param name="DryRun">Whether nothing was written.</param>
/// <param name="Actions">The actions taken (or that would be), in order; empty when nothing is repairable.</param>
/// <param name="After">The file's check afterwards (in a dry run: as it is, so its repairable faults are still listed).</param>
/// <param name="Warnings">Anything worth saying.</param>
public sealed record RepairResult(string Path, bool DryRun, ImmutableArray<RepairAction> Actions, CheckResult After, ImmutableArray<string> Warnings)
{
    /// <summary>
    /// Whether the file is (or, in a dry run, would be) free of errors: clean after a repair; clean or wholly
    /// repairable before a dry run.
    /// </summary>
    public bool Fixed => DryRun ? After.IsClean || After.IsRepairable : After.IsClean;
}
