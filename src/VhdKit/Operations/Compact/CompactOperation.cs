using VhdKit.Chain;
using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>
/// Compacts a dynamic or differencing disk (Hyper-V's Optimize-VHD): a dynamic disk drops the sectors and blocks
/// that read as zeros; a differencing disk also drops the sectors identical to what its parent chain holds there
/// (as VirtualBox does). The guest's view is unchanged, the file shrinks. A VHDX (dynamic or differencing) is
/// compacted the same way, block by block: zero blocks become ZERO, a child's blocks that read as its parent does
/// become NOT_PRESENT, a PARTIALLY_PRESENT block keeps only the sectors that differ from its parent's; its
/// VirtualDiskId and DataWriteGuid are kept, so its children still link (docs/vhdx.md).
/// </summary>
/// <remarks>
/// Crash-safe by a whole-file rewrite: the metadata (footer, header, locator texts) is written by
/// <see cref="MetadataEditor.WriteNewImage"/> into a temporary file in the same folder, in a fresh layout with an
/// empty BAT (a header a rebase moved past the blocks comes back to offset 512); the kept runs are written through
/// the crash-safe write path; the file takes the original's modification time (the content is the same, so
/// children's recorded parent timestamps stay right), is flushed (checked: a failed fsync fails the compaction,
/// renames nothing and deletes the temporary file), renamed over the original, and the folder is flushed so the
/// rename lasts. A crash leaves the old file or the new one.
/// The image is held exclusively meanwhile. A VHDX's temporary files that an interrupted compaction of it left are
/// deleted first (each named in <see cref="CompactResult.Warnings"/>).
/// <para>
/// Cancellation is honoured before every chunk; a cancelled compaction deletes the temporary file and leaves the
/// image as it was.
/// </para>
/// </remarks>
public static partial class CompactOperation
{
    /// <summary>Compacts the image at <see cref="CompactRequest.Path"/>.</summary>
    /// <param name="request">What to compact.</param>
    /// <param name="progress">Receives bytes compared of the bytes the image holds.</param>
    /// <param name="cancellationToken">Cancels the compaction (the image is left as it was).</param>
    /// <returns>What was done.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or its path is <see langword="null"/>.</exception>
    /// <exception cref="WrongImageTypeException">The image is fixed (or a VHDX that sets LeaveBlockAllocated).</exception>
    /// <exception cref="Format.Vhdx.VhdxFormatException">A VHDX of the chain is not valid, or holds something VhdKit must refuse.</exception>
    /// <exception cref="UnauthorizedAccessException">The image cannot be opened for writing (permission denied).</exception>
    /// <exception cref="ImageInUseException">The image is open elsewhere.</exception>
    /// <exception cref="ParentResolutionException">A differencing disk's parent cannot be found.</exception>
    /// <exception cref="IOException">Reading or writing failed; the image is left as it was.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the image is left as it was.</exception>
    public static CompactResult Run(CompactRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Path);
        return Compact(request.Path, static storage => storage, progress, cancellationToken);
    }

    /// <summary>The same compaction as <see cref="Run(CompactRequest, IProgress{OperationProgress}?, CancellationToken)"/>, on the thread pool.</summary>
    /// <inheritdoc cref="Run(CompactRequest, IProgress{OperationProgress}?, CancellationToken)"/>
    public static Task<CompactResult> RunAsync(CompactRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        OperationRunner.RunAsync(() => Run(request, progress, cancellationToken), cancellationToken);
}
