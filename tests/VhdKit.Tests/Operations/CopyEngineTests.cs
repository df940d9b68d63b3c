using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

/// <summary>The one copy loop and the one extent walk that convert, merge and compact share.</summary>
public class CopyEngineTests : IDisposable
{
    private const int Chunk = CopyEngine.ChunkSize;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Chunks_are_aligned_to_the_disk_and_the_target_is_flushed_on_its_cadence()
    {
        var chunks = new List<(long Offset, int Length)>();
        int flushes = 0;
        var progress = new List<OperationProgress>();
        DiskExtent[] extents = [new(Chunk / 2, Chunk, 0), new(3L * Chunk, 2L * Chunk, 0)];

        long copied = CopyEngine.Copy(extents, (chunk, offset) => chunk.Fill(1), (chunk, offset) => chunks.Add((offset, chunk.Length)),
            new Recorder(progress.Add), CancellationToken.None, () => flushes++, flushEvery: 2L * Chunk);

        Assert.Equal(3L * Chunk, copied);
        Assert.Equal([(Chunk / 2L, Chunk / 2), (Chunk, Chunk / 2), (3L * Chunk, Chunk), (4L * Chunk, Chunk)], chunks);
        Assert.Equal(1, flushes); // after 2 MiB; the last 1 MiB is the caller's final flush
        Assert.Equal(new OperationProgress(3L * Chunk, 3L * Chunk), progress[^1]);
    }

    [Fact]
    public void A_cancelled_copy_stops_before_a_chunk_never_inside_one()
    {
        using var cancel = new CancellationTokenSource();
        var written = new List<long>();

        Assert.ThrowsAny<OperationCanceledException>(() => CopyEngine.Copy([new DiskExtent(0, 4L * Chunk, 0)], (chunk, _) => { },
            (chunk, offset) => { written.Add(offset); cancel.Cancel(); }, null, cancel.Token));

        Assert.Equal([0L], written);
    }

    [Fact]
    public void The_extent_walk_keeps_layers_apart_or_joins_what_any_layer_holds()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        using (VirtualDisk disk = VirtualDisk.Open(parent))
        {
            disk.Write(new byte[] { 1 }.AsSpan(), 0);
        }

        using (VirtualDisk disk = VirtualDisk.Open(child))
        {
            disk.Write(Enumerable.Repeat((byte)2, 512).ToArray(), 512);
        }

        using VirtualDisk chain = VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true });
        VhdImage[] layers = [.. chain.Layers];

        Assert.Equal([new DiskExtent(0, 512, 1), new DiskExtent(512, 512, 0), new DiskExtent(1024, chain.Capacity - 1024, -1)],
            LayerWalk.Extents(layers, chain.Capacity, allocatedOnly: false).ToArray());
        Assert.Equal([new DiskExtent(0, 1024, 1)], LayerWalk.Extents(layers, chain.Capacity, allocatedOnly: true).ToArray());
    }

    private sealed class Recorder(Action<OperationProgress> report) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => report(value);
    }
}
