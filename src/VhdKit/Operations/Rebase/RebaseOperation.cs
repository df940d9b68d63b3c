using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>
/// Points a differencing disk at its parent in a new place (qemu-img rebase -u, Hyper-V's Set-VHD -ParentPath), or
/// re-stamps it (<see cref="RebaseRequest.Restamp"/>: accepts the parent it resolves to today, recording that parent's
/// current modification time). Rewrites the parent locators (W2ru relative to the child's folder, and the absolute
/// one), the parent's name, id and timestamp; the disk's content is not touched. A differencing VHDX gets a new
/// parent locator (parent_linkage = the parent's DataWriteGuid, relative_path) through its log; a re-stamp accepts the
/// DataWriteGuid of the parent its locator finds (see docs/vhdx.md).
/// </summary>
/// <remarks>
/// In place, under the writer lock, crash-safe (the relinker's order). Cancellation is honoured once, at the one safe
/// point: after every check, before the first write; past it the rewrite runs to the end.
/// </remarks>
public static partial class RebaseOperation
{
    /// <summary>Makes <see cref="RebaseRequest.Parent"/> the parent of <see cref="RebaseRequest.Child"/>, or re-stamps.</summary>
    /// <param name="request">What to do.</param>
    /// <param name="progress">Receives one step: 0 of 1 once checked, 1 of 1 when done.</param>
    /// <param name="cancellationToken">Cancels before anything is written.</param>
    /// <returns>What was done.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or its child path is <see langword="null"/>.</exception>
    /// <exception cref="WrongImageTypeException">The child is not a differencing disk.</exception>
    /// <exception cref="ParentResolutionException">The parent's id differs from the child's record (and mismatches are not ignored), or a chain does not resolve.</exception>
    /// <exception cref="ArgumentException">The parent's size differs from the child's, or its file name is too long.</exception>
    /// <exception cref="VhdFormatException">An image is not a valid VHD.</exception>
    /// <exception cref="ImageInUseException">The child is open for writing elsewhere (or read as a parent).</exception>
    /// <exception cref="IOException">Reading or writing failed; the child keeps its old links (or has the new ones with a footer copy that repair rewrites).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing was written.</exception>
    public static RebaseResult Run(RebaseRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Rebase(request, progress, cancellationToken);

    /// <summary>The same rebase as <see cref="Run(RebaseRequest, IProgress{OperationProgress}?, CancellationToken)"/>, on the thread pool.</summary>
    /// <inheritdoc cref="Run(RebaseRequest, IProgress{OperationProgress}?, CancellationToken)"/>
    public static Task<RebaseResult> RunAsync(RebaseRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        OperationRunner.RunAsync(() => Run(request, progress, cancellationToken), cancellationToken);
}
