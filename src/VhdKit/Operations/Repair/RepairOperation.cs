using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>
/// Fixes the faults <see cref="CheckOperation"/> marks repairable, and nothing else (qemu-img check -r, vhd-util
/// repair): it never guesses data. It rebuilds a lost or damaged end footer from the copy at offset 0 (and the copy
/// from the end footer), recomputes checksums when every other field is valid, clears BAT entries naming blocks
/// wholly outside the file, and cuts orphan tails. A VHDX (see docs/vhdx.md) is repaired through its editor: a
/// pending log applied to the file and LogGuid cleared, a damaged header and a damaged or differing region table
/// copy rewritten from the good one, BAT entries of payload blocks wholly outside the file cleared through the log;
/// its DataWriteGuid is kept, so children still link to it.
/// </summary>
/// <remarks>
/// It plans from the facts of the one scan (<c>ImageScan</c>, what opening and <c>check</c> use too) and writes
/// only through the metadata editor (<see cref="MetadataEditor"/>), each step flushed before the next, so that a
/// crash at any point leaves a file that opens if it did before (at worst with faults not yet fixed):
/// <list type="number">
/// <item>BAT entries naming blocks outside the file are cleared, 4 bytes each (they read nothing valid before).</item>
/// <item>The dynamic header's checksum is recomputed over the header as the file holds it (one sector written).</item>
/// <item>The end footer: at the end of the data (over the orphan tail, which no BAT entry names), flushed, then the
/// file cut just after it; never over or before a byte a BAT entry names (when an entry names bytes past the
/// data, nothing is cut and only a checksum is fixed in place).</item>
/// <item>The footer copy at offset 0, rewritten from the good footer, flushed.</item>
/// </list>
/// Every write is in place and small, so no temporary copy of the file is needed. Afterwards
/// <see cref="CheckOperation"/> finds none of the repaired faults.
/// <para>
/// Cancellation is honoured before each of the three steps (BAT entries, header checksum, footers), never inside one.
/// </para>
/// </remarks>
public static partial class RepairOperation
{
    /// <summary>Repairs the VHD at <see cref="RepairRequest.Path"/> in place (or, with <see cref="RepairRequest.DryRun"/>, lists what it would do).</summary>
    /// <param name="request">What to repair.</param>
    /// <param name="progress">Receives steps done of three.</param>
    /// <param name="cancellationToken">Cancels between steps.</param>
    /// <returns>The actions and the file's check afterwards.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or its path is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ImageInUseException">Another process has the file open for writing (not in a dry run).</exception>
    /// <exception cref="IOException">The file cannot be read or written.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the steps before were done and flushed.</exception>
    public static RepairResult Run(RepairRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Path);
        string path = Path.GetFullPath(request.Path);
        var actions = Repair(path, request.DryRun, progress, cancellationToken);
        CheckResult after = CheckOperation.Run(new CheckRequest(path), null, cancellationToken);
        return new RepairResult(path, request.DryRun, actions, after, []);
    }

    /// <summary>The same repair as <see cref="Run(RepairRequest, IProgress{OperationProgress}?, CancellationToken)"/>, on the thread pool.</summary>
    /// <inheritdoc cref="Run(RepairRequest, IProgress{OperationProgress}?, CancellationToken)"/>
    public static Task<RepairResult> RunAsync(RepairRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        OperationRunner.RunAsync(() => Run(request, progress, cancellationToken), cancellationToken);
}
