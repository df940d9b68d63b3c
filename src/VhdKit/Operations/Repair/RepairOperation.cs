using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>
/// Fixes the faults <see cref="CheckOperation"/> marks repairable, and nothing else (qemu-img check -r, vhd-util
/// repair): it never guesses data. It rebuilds a lost or damaged end footer from the copy at offset 0 (and the copy
/// from the end footer), recomputes checksums when every other field is valid, clears BAT entries naming blocks
/// wholly outside the file, and cuts orphan tails.
/// </summary>
/// <remarks>
/// It plans from the one scan that opening and check use, and writes only through the metadata editor, each step
/// flushed before the next, so a crash at any point leaves a file that opens if it did before. Cancellation is
/// honoured before each of the three steps (BAT entries, header checksum, footers), never inside one.
/// </remarks>
public static class RepairOperation
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
        var actions = VhdRepairer.Repair(path, request.DryRun, progress, cancellationToken);
        CheckResult after = CheckOperation.Run(new CheckRequest(path), null, cancellationToken);
        return new RepairResult(path, request.DryRun, actions, after, []);
    }

    /// <summary>The same repair as <see cref="Run(RepairRequest, IProgress{OperationProgress}?, CancellationToken)"/>, on the thread pool.</summary>
    /// <inheritdoc cref="Run(RepairRequest, IProgress{OperationProgress}?, CancellationToken)"/>
    public static Task<RepairResult> RunAsync(RepairRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        OperationRunner.RunAsync(() => Run(request, progress, cancellationToken), cancellationToken);
}
