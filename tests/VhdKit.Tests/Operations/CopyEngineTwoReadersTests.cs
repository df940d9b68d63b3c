using VhdKit.Chain;
using VhdKit.Operations;

namespace VhdKit.Tests.Operations;

/// <summary>
/// The copy loop with two readers: the same chunks, order, flushes and progress as the plain loop, and a failure or
/// cancellation in either reader (or in the writer) ends the copy with its error, the readers stopped first.
/// </summary>
public sealed class CopyEngineTwoReadersTests
{
    private const int Chunk = CopyEngine.ChunkSize;

    [Fact]
    public void Two_readers_write_the_same_chunks_bytes_and_flushes_in_the_same_order_as_the_plain_loop()
    {
        // More chunks than the ring has slots, runs that start and end inside chunks, and a short last run.
        DiskExtent[] extents = [new(Chunk / 2, Chunk, 0), new(3L * Chunk, 11L * Chunk, 0), new(17L * Chunk + 512, 100, 0), new(20L * Chunk, 3L * Chunk, 0)];
        var plain = Record(extents, twoReaders: false);
        var two = Record(extents, twoReaders: true);

        Assert.Equal(plain, two);
        Assert.Contains("flush", two);
    }

    [Fact]
    public void Both_readers_read_at_once()
    {
        using var bothIn = new Barrier(2);
        int met = 0;

        // Chunks 0 and 1 belong to different readers: each waits (bounded) for the other to be inside a read too.
        CopyEngine.Copy([new DiskExtent(0, 2L * Chunk, 0)], (chunk, offset) =>
        {
            if (bothIn.SignalAndWait(TimeSpan.FromSeconds(30)))
            {
                Interlocked.Increment(ref met);
            }
        }, (chunk, offset) => { }, null, CancellationToken.None, twoReaders: true);

        Assert.Equal(2, met);
    }

    [Theory]
    [InlineData(6)] // reader 0's chunk
    [InlineData(7)] // reader 1's chunk
    public void A_failed_read_in_either_reader_is_thrown_after_the_chunks_before_it_are_written(int failing)
    {
        var written = new List<long>();

        var error = Assert.Throws<IOException>(() => CopyEngine.Copy([new DiskExtent(0, 12L * Chunk, 0)],
            (chunk, offset) => { if (offset == failing * (long)Chunk) { throw new IOException("bad sector"); } chunk.Fill(1); },
            (chunk, offset) => written.Add(offset), null, CancellationToken.None, twoReaders: true));

        Assert.Equal("bad sector", error.Message);
        Assert.Equal(Enumerable.Range(0, failing).Select(i => i * (long)Chunk), written);
    }

    [Fact]
    public void Two_readers_cancelled_mid_way_stop_between_whole_chunks()
    {
        using var cancel = new CancellationTokenSource();
        var written = new List<long>();

        Assert.ThrowsAny<OperationCanceledException>(() => CopyEngine.Copy([new DiskExtent(0, 40L * Chunk, 0)], (chunk, _) => { },
            (chunk, offset) =>
            {
                written.Add(offset);
                if (written.Count == 5)
                {
                    cancel.Cancel();
                }
            }, null, cancel.Token, twoReaders: true));

        Assert.Equal(Enumerable.Range(0, 5).Select(i => i * (long)Chunk), written);
    }

    [Fact]
    public void A_failed_write_with_two_readers_is_thrown_once_no_read_is_under_way()
    {
        int reads = 0;
        int readsDone = 0;

        var error = Assert.Throws<IOException>(() => CopyEngine.Copy([new DiskExtent(0, 8L * Chunk, 0)],
            (chunk, offset) => { Interlocked.Increment(ref reads); Thread.Sleep(1); chunk.Fill(2); Interlocked.Increment(ref readsDone); },
            (chunk, offset) => throw new IOException("disk full"), null, CancellationToken.None, twoReaders: true));

        Assert.Equal("disk full", error.Message);
        Assert.Equal(Volatile.Read(ref reads), Volatile.Read(ref readsDone)); // no read still filling a returned buffer
    }

    private static List<string> Record(DiskExtent[] extents, bool twoReaders)
    {
        var events = new List<string>();
        CopyEngine.Copy(extents, (chunk, offset) => chunk.Fill((byte)(offset / 512)),
            (chunk, offset) => events.Add($"{offset}+{chunk.Length}:{chunk[0]}:{chunk[^1]}"), new Progress(events), CancellationToken.None,
            () => events.Add("flush"), flushEvery: 2L * Chunk, twoReaders: twoReaders);
        return events;
    }

    private sealed class Progress(List<string> events) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => events.Add($"progress {value}");
    }
}
