using VhdKit.Chain;
using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>
/// Merges a differencing disk into its parent (or an ancestor further up, with the layers between in one pass),
/// like qemu-img commit and Hyper-V's Merge-VHD. Only the sectors the merged layers hold are copied, in runs.
/// </summary>
/// <remarks>
/// Interruption (crash, kill, full disk, cancel) is safe and running the same merge again completes it: a journal
/// <c>TARGET.merge</c> naming the child is written and flushed before the target changes; runs are copied through
/// the target's crash-safe write path, flushed every 64 MiB and at the end; the merged layers are only read; the
/// journal is deleted once the target is flushed, then (if asked) the merged files. Cancellation is honoured before
/// every chunk copied.
/// </remarks>
public static class MergeOperation
{
    /// <summary>The journal beside a target while a merge into it is under way.</summary>
    public static string JournalPath(string target) => MergeJournal.PathFor(target);

    /// <summary>Merges <see cref="MergeRequest.Child"/> into its parent, or into <see cref="MergeRequest.Into"/>.</summary>
    /// <param name="request">What to merge.</param>
    /// <param name="progress">Receives bytes copied of the bytes the merged layers hold.</param>
    /// <param name="cancellationToken">Cancels the merge (it can be run again).</param>
    /// <returns>What was done.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or its path is <see langword="null"/>.</exception>
    /// <exception cref="WrongImageTypeException">The child is not a differencing disk.</exception>
    /// <exception cref="ParentResolutionException">A parent cannot be found or has the wrong id.</exception>
    /// <exception cref="ArgumentException"><see cref="MergeRequest.Into"/> is not an ancestor of the child.</exception>
    /// <exception cref="InvalidOperationException">Nothing was changed: a merged layer holds data past the target's
    /// end, or <see cref="MergeRequest.DeleteMerged"/> is asked and a merged image has other children beside it.</exception>
    /// <exception cref="MergeInterruptedException">Another merge into the target was interrupted: run that one again first.</exception>
    /// <exception cref="ImageInUseException">The target is open elsewhere.</exception>
    /// <exception cref="UnauthorizedAccessException">The target is read-only.</exception>
    /// <exception cref="IOException">Reading or writing failed; the merge can be run again.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the merge can be run again.</exception>
    public static MergeResult Run(MergeRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Child);
        return DiskMerger.Merge(request, progress, cancellationToken);
    }

    /// <summary>The same merge as <see cref="Run(MergeRequest, IProgress{OperationProgress}?, CancellationToken)"/>, on the thread pool.</summary>
    /// <inheritdoc cref="Run(MergeRequest, IProgress{OperationProgress}?, CancellationToken)"/>
    public static Task<MergeResult> RunAsync(MergeRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        OperationRunner.RunAsync(() => Run(request, progress, cancellationToken), cancellationToken);
}
