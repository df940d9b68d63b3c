using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Checks a VHD file (and, on request, its parent chain) like <c>qemu-img check</c>, blktap's <c>vhd-util check</c>
/// and Hyper-V's Test-VHD: every structure is read without trusting it and every fault is listed, with its code,
/// severity, structure, offset and message; it never stops at the first. Time and memory are bounded by the file's
/// size and VhdKit's limits, never by a size read from the file.
/// </summary>
/// <remarks>
/// The file is judged by the same scan that opening uses, so a report with no error is exactly a file that opens
/// and reads. <c>vhd check FILE</c> exits 0 when the report has no error (warnings allowed, some of them
/// repairable), 3 when every error is repairable by <c>vhd repair FILE</c>, 2 otherwise (1 when the file cannot be
/// read at all).
/// <para>
/// Read-only. Cancellation is honoured before the check and before each parent of a chain.
/// </para>
/// </remarks>
public static partial class CheckOperation
{
    /// <summary>Checks the VHD at <see cref="CheckRequest.Path"/>.</summary>
    /// <param name="request">What to check.</param>
    /// <param name="progress">Receives files checked of the files known so far (one, then one per parent).</param>
    /// <param name="cancellationToken">Cancels between files.</param>
    /// <returns>Every fault found; a damaged file is a result, not an exception.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or its path is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static CheckResult Run(CheckRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Path);
        return Check(StorageLocations.FullPath(request.Path), request, progress, cancellationToken);
    }

    /// <summary>The same check as <see cref="Run(CheckRequest, IProgress{OperationProgress}?, CancellationToken)"/>, on the thread pool.</summary>
    /// <inheritdoc cref="Run(CheckRequest, IProgress{OperationProgress}?, CancellationToken)"/>
    public static Task<CheckResult> RunAsync(CheckRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        OperationRunner.RunAsync(() => Run(request, progress, cancellationToken), cancellationToken);
}
