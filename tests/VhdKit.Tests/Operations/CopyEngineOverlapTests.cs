using VhdKit.Chain;
using VhdKit.Operations;

namespace VhdKit.Tests.Operations;

/// <summary>The copy loop with reads overlapped with writes: the same chunks, order, flushes, progress, cancellation and errors as the plain loop.</summary>
public sealed class CopyEngineOverlapTests
{
    private const int Chunk = CopyEngine.ChunkSize;

    [Fact]
    public void Overlapped_copy_writes_the_same_chunks_bytes_and_flushes_in_the_same_order_as_the_plain_loop()
    {
        DiskExtent[] extents = [new(Chunk / 2, Chunk, 0), new(3L * Chunk, 5L * Chunk, 0), new(9L * Chunk, 100, 0)];
        var plain = Record(extents, overlap: false);
        var overlapped = Record(extents, overlap: true);

        Assert.Equal(plain, overlapped);
        Assert.Contains("flush", overlapped);
    }

    [Fact]
    public void Overlapped_copy_cancelled_stops_between_whole_chunks()
    {
        using var cancel = new CancellationTokenSource();
        var written = new List<long>();

        Assert.ThrowsAny<OperationCanceledException>(() => CopyEngine.Copy([new DiskExtent(0, 6L * Chunk, 0)], (chunk, _) => { },
            (chunk, offset) => { written.Add(offset); cancel.Cancel(); }, null, cancel.Token, overlap: true));

        Assert.True(written.Count <= 2, $"{written.Count} chunks written after the cancel");
        Assert.Equal(0L, written[0]);
    }

    [Fact]
    public void Overlapped_copy_writes_the_chunks_before_a_failed_read_then_throws_its_error()
    {
        var written = new List<long>();

        var error = Assert.Throws<IOException>(() => CopyEngine.Copy([new DiskExtent(0, 4L * Chunk, 0)],
            (chunk, offset) => { if (offset == 2L * Chunk) { throw new IOException("bad sector"); } chunk.Fill(1); },
            (chunk, offset) => written.Add(offset), null, CancellationToken.None, overlap: true));

        Assert.Equal("bad sector", error.Message);
        Assert.Equal([0L, Chunk], written);
    }

    [Fact]
    public void Overlapped_copy_with_a_failed_write_throws_it_once_the_read_under_way_is_done()
    {
        int reads = 0;
        int readsDone = 0;

        var error = Assert.Throws<IOException>(() => CopyEngine.Copy([new DiskExtent(0, 4L * Chunk, 0)],
            (chunk, offset) => { Interlocked.Increment(ref reads); Thread.Sleep(1); chunk.Fill(2); Interlocked.Increment(ref readsDone); },
            (chunk, offset) => throw new IOException("disk full"), null, CancellationToken.None, overlap: true));

        Assert.Equal("disk full", error.Message);
        Assert.Equal(Volatile.Read(ref reads), Volatile.Read(ref readsDone)); // no read still filling a returned buffer
    }

    [Fact]
    public void The_plan_joins_touching_runs_inside_one_chunk_and_cuts_at_chunk_boundaries()
    {
        DiskExtent[] runs = [new(0, 512, 0), new(512, 1024, 1), new(1024, 2048, 0), new(4096, 512, 0), new(8192, 8192, 0)];
        var joined = new List<(long, int)>();
        var chunks = new CopyChunks(runs, 4096 * 2, joinTouching: true);
        while (chunks.Next(out long offset, out int count))
        {
            joined.Add((offset, count));
        }

        var apart = new List<(long, int)>();
        chunks = new CopyChunks([new(0, 512, 0), new(512, 512, 1), new(4096, 8192, 0)], 4096 * 2);
        while (chunks.Next(out long offset, out int count))
        {
            apart.Add((offset, count));
        }

        Assert.Equal([(0L, 3072), (4096L, 512), (8192L, 8192)], joined);
        Assert.Equal([(0L, 512), (512L, 512), (4096L, 4096), (8192L, 4096)], apart);
    }

    private static List<string> Record(DiskExtent[] extents, bool overlap)
    {
        var events = new List<string>();
        CopyEngine.Copy(extents, (chunk, offset) => chunk.Fill((byte)(offset / 512)),
            (chunk, offset) => events.Add($"{offset}+{chunk.Length}:{chunk[0]}:{chunk[^1]}"), new Progress(events), CancellationToken.None,
            () => events.Add("flush"), flushEvery: 2L * Chunk, overlap: overlap);
        return events;
    }

    private sealed class Progress(List<string> events) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => events.Add($"progress {value}");
    }
}
