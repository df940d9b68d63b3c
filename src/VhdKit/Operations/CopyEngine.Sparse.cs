using VhdKit.Chain;

namespace VhdKit.Operations;

/// <summary>The copy loop for sparse output: chunks that read as zeros are not handed to the writer.</summary>
internal static partial class CopyEngine
{
    /// <summary>
    /// As <see cref="Copy"/>, but a chunk that is all zeros (the test upload's zero scan makes of each 512-byte page,
    /// <see cref="ZeroRuns.IsAllZero"/>) is read, counted and reported, and not written: the new file reads zeros there already
    /// (a sparse file, an unallocated block).
    /// </summary>
    /// <inheritdoc cref="Copy"/>
    public static long CopySparse(IReadOnlyList<DiskExtent> extents, ChunkReader read, ChunkWriter write, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken, Action? flush = null, long flushEvery = 0, ChunkCopier? copy = null, bool overlap = false, bool twoReaders = false) =>
        Copy(extents, read, (chunk, offset) =>
        {
            if (!ZeroRuns.IsAllZero(chunk))
            {
                write(chunk, offset);
            }
        }, progress, cancellationToken, flush, flushEvery, copy, overlap, twoReaders);
}
