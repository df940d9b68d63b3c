using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>
/// Changes the virtual size of a fixed or dynamic disk in place (qemu-img resize, Hyper-V's Resize-VHD). Growing is
/// always allowed (up to 2040 GiB); a dynamic disk shrinks only when nothing is stored past the new end; a fixed
/// disk does not shrink; a differencing disk's size is its parent's, and a disk with children beside it is refused.
/// A VHDX (told by content) grows up to 64 TiB in steps of its logical sector size, and shrinks, fixed or dynamic,
/// when what it stores past the new end reads zeros (as Hyper-V shrinks only VHDX, and never below the data).
/// </summary>
/// <remarks>
/// Every change goes through <see cref="MetadataEditor"/> and its crash-safe order. Growing a dynamic disk: a
/// larger table is written past the old end footer (never over it), with the unchanged footer at the new end,
/// and flushed; then the header's first sector (table offset, entry count, checksum: a single-sector write);
/// then the end footer with the new size and geometry, then its copy at offset 0. Shrinking: the footers first,
/// then the header. Every crash state opens with the old or the new size (a header describing more entries than
/// the size needs is tolerated; a copy at 0 left behind is repaired by <c>vhd repair</c>). A footer lost at
/// the end is rebuilt past the last block, never over it. Fixed: the new footer is written at the new end (which
/// extends the file) and flushed, then the old footer's sector, now inside the data, is zeroed and flushed; a
/// crash between leaves the old footer's bytes in that one new sector. The new footer records the
/// specification's CHS geometry for the new size, and VhdKit's creator <c>win </c> when qemu would otherwise
/// read a rounded size from it.
/// <para>
/// Cancellation is honoured once, at the one safe point: after every check, before the first write (before the
/// metadata editor's single-sector switch and everything around it). Past it the editor's few ordered writes run
/// to the end; a resize is never left half done.
/// </para>
/// <para>
/// A VHDX changes through its own editor and log (VhdxResize, internal): the BAT entries and the virtual disk size
/// item in log entries that each leave a valid file (grow: entries, then the size; shrink: the size, then the freed
/// entries); a BAT that outgrows its region is written whole past everything the file names and fsync'd before
/// region table copy 1, then copy 2, name it; a fixed VHDX's new blocks are FULLY_PRESENT, sparse zeros; a shrunk
/// file is cut where nothing past is named. The DataWriteGuid changes (a child elsewhere sees its parent changed).
/// </para>
/// </remarks>
public static partial class ResizeOperation
{
    /// <summary>Resizes the image at <see cref="ResizeRequest.Path"/> to <see cref="ResizeRequest.NewSize"/> bytes.</summary>
    /// <param name="request">What to resize.</param>
    /// <param name="progress">Receives one step: 0 of 1 once checked, 1 of 1 when done.</param>
    /// <param name="cancellationToken">Cancels the resize before anything is written.</param>
    /// <returns>What was done.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or its path is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is not a multiple of 512 from 3 MiB to 2040 GiB (a VHDX: not a multiple of its logical sector size up to 64 TiB, or needing more BAT entries than VhdKit reads).</exception>
    /// <exception cref="WrongImageTypeException">The image is a differencing disk (VHD or VHDX).</exception>
    /// <exception cref="InvalidOperationException">Shrinking would cut stored data (a VHDX: a byte past the new end that is not zero), shrinking a fixed VHD, or the disk has children beside it.</exception>
    /// <exception cref="ImageInUseException">The image is open elsewhere.</exception>
    /// <exception cref="IOException">Writing failed; the image stays valid.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing was written.</exception>
    public static ResizeResult Run(ResizeRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Resize(request, progress, cancellationToken);

    /// <summary>The same resize as <see cref="Run(ResizeRequest, IProgress{OperationProgress}?, CancellationToken)"/>, on the thread pool.</summary>
    /// <inheritdoc cref="Run(ResizeRequest, IProgress{OperationProgress}?, CancellationToken)"/>
    public static Task<ResizeResult> RunAsync(ResizeRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        OperationRunner.RunAsync(() => Run(request, progress, cancellationToken), cancellationToken);
}
