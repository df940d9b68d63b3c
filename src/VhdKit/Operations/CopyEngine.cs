using System.Buffers;
using VhdKit.Chain;

namespace VhdKit.Operations;

/// <summary>Reads one chunk of a copy: fills <paramref name="chunk"/> with the source's bytes at <paramref name="offset"/>.</summary>
internal delegate void ChunkReader(Span<byte> chunk, long offset);

/// <summary>Writes one chunk of a copy (or the part of it worth writing) at <paramref name="offset"/>.</summary>
internal delegate void ChunkWriter(ReadOnlySpan<byte> chunk, long offset);

/// <summary>
/// Copies the start of one chunk of a copy without it passing through the loop's buffer (the kernel copies it from
/// file to file), where it can. Returns the bytes done from <paramref name="offset"/>; the loop reads and writes the rest.
/// </summary>
internal delegate int ChunkCopier(long offset, int count);

/// <summary>
/// The one chunked copy loop behind convert, merge and compact (qemu's convert/commit loop): over the extents to
/// copy, in chunks aligned to <see cref="ChunkSize"/>, it checks for cancellation before each chunk, reads it, hands
/// it to the writer, reports bytes done of the extents' total, and flushes the target every so often if asked.
/// The operations decide what is read and what is written; the loop, its buffer and its bookkeeping are here.
/// </summary>
internal static partial class CopyEngine
{
    /// <summary>
    /// The chunk size (one pooled buffer of it per copy): 256 KiB, chosen by measurement (issue 13; a durable convert
    /// of a dynamic VHD to raw, medians of interleaved runs per chunk size from 64 KiB to 2 MiB). On ext4 1 MiB chunks
    /// took 1.44x as long as 256 KiB ones at 512 MiB and 1.65x at 2 GiB (2 MiB: 3.3x and 2.3x); on tmpfs the sizes
    /// were within the noise of each other. A chunk of 256 KiB stays in a core's L2 cache between its read and write.
    /// </summary>
    public const int ChunkSize = 256 * 1024;

    /// <summary>Copies every extent, chunk by chunk.</summary>
    /// <param name="extents">The runs to copy, in order, not overlapping.</param>
    /// <param name="read">Fills a chunk.</param>
    /// <param name="write">Writes a chunk (it may skip parts of it, e.g. zeros).</param>
    /// <param name="progress">Receives bytes done of the extents' total after each chunk, and once at the end.</param>
    /// <param name="flush">Called every <paramref name="flushEvery"/> bytes copied (0: never); the caller flushes at the end itself.</param>
    /// <param name="flushEvery">Bytes between flushes; 0 for none.</param>
    /// <param name="cancellationToken">Checked before each chunk; a cancelled copy has written whole chunks only.</param>
    /// <param name="copy">Asked first for each chunk: copies what it can of it directly; the rest is read and written.</param>
    /// <param name="overlap">
    /// Reads the next chunk on another thread while this one is written (<see cref="CopyOverlapped"/>); for readers and
    /// writers that touch different files only. Not with <paramref name="copy"/>.
    /// </param>
    /// <param name="twoReaders">
    /// Reads ahead with two threads, each reading every other chunk (<see cref="CopyWithTwoReaders"/>); the reader must
    /// be safe from two threads. Not with <paramref name="copy"/> or <paramref name="overlap"/>.
    /// </param>
    /// <returns>The bytes copied (the extents' total).</returns>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static long Copy(IReadOnlyList<DiskExtent> extents, ChunkReader read, ChunkWriter write, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken, Action? flush = null, long flushEvery = 0, ChunkCopier? copy = null, bool overlap = false, bool twoReaders = false)
    {
        if (twoReaders && copy is null)
        {
            return CopyWithTwoReaders(extents, read, write, progress, flush, flushEvery, cancellationToken);
        }

        if (overlap && copy is null)
        {
            return CopyOverlapped(extents, read, write, progress, flush, flushEvery, cancellationToken);
        }

        long total = CopyChunks.Total(extents);
        var tally = new CopyTally(total, progress, flush, flushEvery);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var chunks = new CopyChunks(extents, ChunkSize);
            while (chunks.Next(out long offset, out int count))
            {
                cancellationToken.ThrowIfCancellationRequested();
                int direct = copy?.Invoke(offset, count) ?? 0;
                if (direct < count)
                {
                    Span<byte> chunk = buffer.AsSpan(0, count - direct);
                    read(chunk, offset + direct);
                    write(chunk, offset + direct);
                }

                tally.Written(count);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return tally.Finished();
    }
}
