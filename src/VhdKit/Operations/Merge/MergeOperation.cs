using VhdKit.Chain;
using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>
/// Merges a differencing disk into its parent (or an ancestor further up, with the layers between in one pass),
/// like qemu-img commit and Hyper-V's Merge-VHD. Only the sectors the merged layers hold are copied, in runs.
/// A VHD chain or a VHDX chain (never a mix of the two, as in a chain) is merged with the same steps.
/// </summary>
/// <remarks>
/// Interruption (crash, kill, full disk, cancel) is safe and a re-run completes the merge:
/// <list type="number">
/// <item>A journal file <c>TARGET.merge</c> naming the child is written and flushed before the target changes.</item>
/// <item>Runs are copied into the target through its crash-safe write path (<see cref="VhdImage.WriteSectors"/>,
/// with flushes every 64 MiB and at the end). The merged layers are only read, so the child stays valid and
/// unchanged, and the chain through it reads the same before, during and after the merge: it holds every sector
/// being copied. The target stays a valid image at every point (its own write order).</item>
/// <item>The journal is deleted once the target is flushed; then, if asked, the merged files are deleted.</item>
/// </list>
/// Copying the same sectors again is harmless, so running the same merge after an interruption completes it.
/// While the journal exists, the target's own content (seen without the child) is partly merged.
/// <para>
/// A VHDX target gets a new DataWriteGuid before its first write (MS-VHDX requires it; its other children learn so
/// that their parent changed), and its BAT and sector bitmaps change through its log. The journal names the target's
/// DataWriteGuid from before the merge: while it exists, the merged child (whose parent_linkage names that id) still
/// opens on the target, and reads as before. Once the merge completes the merged images no longer link to the
/// target. A ZERO block of a merged VHDX layer becomes zeros in the target.
/// </para>
/// <para>
/// The journal lies at <see cref="MergeJournal.PathFor"/>. Cancellation is honoured before every chunk copied; the
/// journal stays, and running the same merge again completes it.
/// </para>
/// </remarks>
public static partial class MergeOperation
{
    /// <summary>Merges <see cref="MergeRequest.Child"/> into its parent, or into <see cref="MergeRequest.Into"/>.</summary>
    /// <param name="request">What to merge.</param>
    /// <param name="progress">Receives bytes copied of the bytes the merged layers hold.</param>
    /// <param name="cancellationToken">Cancels the merge (it can be run again).</param>
    /// <returns>What was done.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or its path is <see langword="null"/>.</exception>
    /// <exception cref="WrongImageTypeException">The child is not a differencing disk.</exception>
    /// <exception cref="ParentResolutionException">A parent cannot be found, has the wrong id, or is of the other format (a VHD parent of a VHDX child).</exception>
    /// <exception cref="ArgumentException"><see cref="MergeRequest.Into"/> is not an ancestor of the child (or is an image of
    /// the other format: VHD and VHDX are never merged into each other).</exception>
    /// <exception cref="InvalidOperationException">Nothing was changed: a merged layer holds data past the target's
    /// end, the images of a VHDX chain have different logical sector sizes, or <see cref="MergeRequest.DeleteMerged"/>
    /// is asked and a merged image has other children beside it.</exception>
    /// <exception cref="MergeInterruptedException">Another merge into the target was interrupted: run that one again first.</exception>
    /// <exception cref="ImageInUseException">The target is open elsewhere.</exception>
    /// <exception cref="UnauthorizedAccessException">The target is read-only.</exception>
    /// <exception cref="IOException">Reading or writing failed; the merge can be run again.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the merge can be run again.</exception>
    public static MergeResult Run(MergeRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Child);
        return Merge(request, progress, cancellationToken);
    }

    /// <summary>The same merge as <see cref="Run(MergeRequest, IProgress{OperationProgress}?, CancellationToken)"/>, on the thread pool.</summary>
    /// <inheritdoc cref="Run(MergeRequest, IProgress{OperationProgress}?, CancellationToken)"/>
    public static Task<MergeResult> RunAsync(MergeRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        OperationRunner.RunAsync(() => Run(request, progress, cancellationToken), cancellationToken);
}
