using VhdKit.Chain;

namespace VhdKit.Operations;

/// <summary>The copy loop with two readers (issue 13): two threads read alternate chunks ahead while the caller writes them in order.</summary>
internal static partial class CopyEngine
{
    /// <summary>
    /// As <see cref="Copy"/>, but chunks are read by two reader threads, reader 0 the even chunks and reader 1 the odd
    /// ones, into a ring of <see cref="ReadAheadSlots.Count"/> buffers, while the caller's thread writes them. Writes,
    /// flushes and progress stay on the caller's thread in the same order as the plain loop, so the durable order is
    /// the same. Both readers may read at once, so <paramref name="read"/> must be safe from two threads (positional
    /// reads: <see cref="VirtualDisk"/>, a raw file). Cancellation is checked before each chunk is read and written; a
    /// failed read is thrown when its chunk would have been written (the chunks before it are written); the readers are
    /// stopped and waited for before the buffers go back, whatever ended the copy.
    /// </summary>
    private static long CopyWithTwoReaders(IReadOnlyList<DiskExtent> extents, ChunkReader read, ChunkWriter write, IProgress<OperationProgress>? progress,
        Action? flush, long flushEvery, CancellationToken cancellationToken)
    {
        long total = CopyChunks.Total(extents);
        var tally = new CopyTally(total, progress, flush, flushEvery);
        using var slots = new ReadAheadSlots(ChunkSize);
        Thread[] readers = [StartReader(0), StartReader(1)];
        try
        {
            using CancellationTokenRegistration wake = cancellationToken.Register(slots.Stop);
            var chunks = new CopyChunks(extents, ChunkSize);
            for (long index = 0; chunks.Next(out long offset, out int count); index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                slots.WaitFilled(index, cancellationToken);
                write(slots.Buffer(index).AsSpan(0, count), offset);
                slots.Empty(index);
                tally.Written(count);
            }
        }
        finally
        {
            slots.Stop();
            foreach (Thread reader in readers)
            {
                reader.Join();
            }
        }

        return tally.Finished();

        Thread StartReader(int parity)
        {
            var thread = new Thread(() => Read(parity)) { IsBackground = true, Name = "VhdKit copy reader " + parity };
            thread.Start();
            return thread;
        }

        void Read(int parity)
        {
            var chunks = new CopyChunks(extents, ChunkSize);
            for (long index = 0; chunks.Next(out long offset, out int count); index++)
            {
                if (index % 2 != parity)
                {
                    continue;
                }

                if (!slots.WaitEmpty(index))
                {
                    return;
                }

                try
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    read(slots.Buffer(index).AsSpan(0, count), offset);
                }
                catch (Exception e)
                {
                    // Thrown on the writer's thread when this chunk's turn comes; this reader reads no further.
                    slots.Fill(index, e);
                    return;
                }

                slots.Fill(index);
            }
        }
    }
}
