using VhdKit.Chain;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// Copies a range of a disk to a stream (<c>vhd read</c>) through the copy engine: in <see cref="CopyEngine.ChunkSize"/>
/// chunks, read by two readers when <c>twoReaders</c> (each reads every other chunk ahead; <see cref="VirtualDisk"/>
/// reads are parallel), written to the stream in order on the caller's thread. Memory is a few chunks whatever the
/// range. Which outputs get two readers is decided by measurement (BENCHMARKS.md, "Round five ... branch readers").
/// </summary>
internal static class DiskToStream
{
    /// <exception cref="IOException">A read or write failed, or the disk ended early.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static void Copy(VirtualDisk disk, long at, long count, Stream output, IProgress<OperationProgress>? progress, CancellationToken cancellationToken,
        bool twoReaders = true)
    {
        if (count == 0)
        {
            return;
        }

        CopyEngine.Copy([new DiskExtent(at, count, 0)], (chunk, offset) =>
        {
            int read = disk.Read(chunk, offset);
            if (read < chunk.Length)
            {
                throw new IOException($"reading stopped at {offset + read}, before the {count} bytes asked for.");
            }
        }, (chunk, _) => output.Write(chunk), progress, cancellationToken, twoReaders: twoReaders);
    }
}
