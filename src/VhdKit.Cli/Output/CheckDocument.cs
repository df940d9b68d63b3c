using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd check --output=json</c>: every fault of the image (and with <c>--chain</c>, of its parents and links).</summary>
/// <param name="Filename">The image checked, as an absolute path.</param>
/// <param name="Format"><c>vpc</c> or <c>vhdx</c>: the format the image was checked as.</param>
/// <param name="Chain">Whether the parents and links were checked too.</param>
/// <param name="Clean">Whether no fault is an error (the image opens and reads).</param>
/// <param name="Repairable">Whether there are errors and <c>vhd repair</c> fixes every one.</param>
/// <param name="ExitCode">The exit code: 0 clean, 2 faults, 3 all faults repairable.</param>
/// <param name="Faults">Every fault, warnings included, in the order of the file's structures, then the chain's links.</param>
/// <param name="Repairs">What <c>check -r</c> repaired before checking (empty without <c>-r</c>).</param>
internal sealed record CheckDocument(
    string Filename, FormatName Format, bool Chain, bool Clean, bool Repairable, int ExitCode, IReadOnlyList<FaultDocument> Faults, IReadOnlyList<RepairActionDocument> Repairs)
    : VerbDocument("check")
{
    public static CheckDocument From(CheckResult report, bool chain, int exitCode, IEnumerable<RepairAction> repairs) => new(
        StorageLocations.Display(report.Path),
        report.Format == Formats.ImageFormat.Vhdx ? FormatName.Vhdx : FormatName.Vpc,
        chain,
        report.IsClean,
        report.IsRepairable,
        exitCode,
        [.. report.Faults.Select(FaultDocument.From)],
        [.. repairs.Select(RepairActionDocument.From)]);
}
