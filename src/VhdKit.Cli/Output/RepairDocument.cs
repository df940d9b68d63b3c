using VhdKit.Operations;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd repair --output=json</c>: what was done (or would be), and what <c>vhd check</c> finds afterwards.</summary>
/// <param name="Filename">The image, as an absolute path.</param>
/// <param name="DryRun">Whether nothing was changed (<c>--dry-run</c>).</param>
/// <param name="Actions">The changes made (or that would be made), in order; empty when nothing needed repair.</param>
/// <param name="Clean">Whether no error remains (in a dry run: whether none would).</param>
/// <param name="Faults">What <c>vhd check</c> finds after the repair (in a dry run: now, before it).</param>
internal sealed record RepairDocument(string Filename, bool DryRun, IReadOnlyList<RepairActionDocument> Actions, bool Clean, IReadOnlyList<FaultDocument> Faults) : VerbDocument("repair")
{
    public static RepairDocument From(RepairResult result) => new(
        Path.GetFullPath(result.Path),
        result.DryRun,
        [.. result.Actions.Select(RepairActionDocument.From)],
        result.Fixed,
        [.. result.After.Faults.Select(FaultDocument.From)]);
}
