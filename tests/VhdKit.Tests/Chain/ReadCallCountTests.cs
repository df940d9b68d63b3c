using VhdKit.Chain;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Chain;

/// <summary>How many read calls a chain read makes (counted at the storage; issue 13, "fewer syscalls per chain walk").</summary>
public class ReadCallCountTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_block_read_from_its_start_reads_its_bitmap_and_data_in_one_call()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"), 8 * MiB);
        var data = new byte[4 * MiB];
        new Random(3).NextBytes(data);
        using (VirtualDisk writer = VirtualDisk.Open(path))
        {
            writer.Write(data, 0);
        }

        (VirtualDisk disk, CountingStorage[] storages) = CountingStorage.OpenChain([path]);
        using (disk)
        {
            storages[0].Reset();
            var buffer = new byte[MiB];
            disk.Read(buffer, 0);
            Assert.Equal(1, storages[0].Reads); // bitmap + first MiB: adjacent in the file
            Assert.Equal(data.AsSpan(0, MiB).ToArray(), buffer);
            disk.Read(buffer, MiB);
            Assert.Equal(2, storages[0].Reads); // the bitmap is cached
            Assert.Equal(data.AsSpan(MiB, MiB).ToArray(), buffer);
        }
    }

    [Fact]
    public void A_disk_open_for_writing_reads_a_blocks_bitmap_before_its_data()
    {
        // A write between a read of the data and the bitmap lookup could pass the bytes read before it for the new
        // ones: a writable image asks its bitmap first, as before.
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"), 8 * MiB);
        var data = new byte[2 * MiB];
        new Random(7).NextBytes(data);
        using (VirtualDisk writer = VirtualDisk.Open(path))
        {
            writer.Write(data, 0);
        }

        var storage = new CountingStorage(FileStorage.Open(path, FileAccess.ReadWrite));
        using VirtualDisk disk = VirtualDisk.Open([VhdKit.Images.VhdImage.Open(storage, leaveOpen: false)]);
        storage.Reset();
        var buffer = new byte[MiB];
        disk.Read(buffer, 0);
        Assert.Equal(2, storage.Reads);
        Assert.Equal(data.AsSpan(0, MiB).ToArray(), buffer);
    }

    [Fact]
    public void A_run_that_ends_its_block_reads_the_next_blocks_bitmap_and_data_in_the_same_call()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"), 8 * MiB);
        var data = new byte[8 * MiB];
        new Random(4).NextBytes(data);
        using (VirtualDisk writer = VirtualDisk.Open(path))
        {
            writer.Write(data, 0); // blocks 0..3 in order in the file, one page of padding between them
        }

        (VirtualDisk disk, CountingStorage[] storages) = CountingStorage.OpenChain([path]);
        using (disk)
        {
            storages[0].Reset();
            var buffer = new byte[2 * MiB];
            disk.Read(buffer, MiB);
            Assert.Equal(2, storages[0].Reads); // block 0's bitmap; then its last MiB, block 1's bitmap and first MiB
            Assert.Equal(data.AsSpan(MiB, 2 * MiB).ToArray(), buffer);
        }
    }

    [Fact]
    public void The_last_layers_block_is_read_once_under_the_short_runs_of_the_layers_above()
    {
        string basePath = ImageFiles.Dynamic(_folder.File("base.vhd"), 8 * MiB);
        var data = new byte[2 * MiB];
        new Random(5).NextBytes(data);
        using (VirtualDisk writer = VirtualDisk.Open(basePath))
        {
            writer.Write(data, 0);
        }

        string child = ImageFiles.Differencing(_folder.File("child.vhd"), basePath);
        var piece = new byte[4096 + 512];
        new Random(6).NextBytes(piece);
        using (VirtualDisk writer = VirtualDisk.Open(child))
        {
            writer.Write(piece, 64 * 1024);
        }

        piece.CopyTo(data, 64 * 1024);
        (VirtualDisk disk, CountingStorage[] storages) = CountingStorage.OpenChain([basePath, child]);
        using (disk)
        {
            storages[0].Reset();
            storages[1].Reset();
            var buffer = new byte[MiB];
            disk.Read(buffer, 0);
            Assert.Equal(1, storages[0].Reads); // the child's bitmap with the 128 KiB after it, its run among them
            Assert.Equal(1, storages[1].Reads); // the base's bitmap and the whole MiB, the child's run read over it
            Assert.Equal(data.AsSpan(0, MiB).ToArray(), buffer);
        }
    }

    [Theory]
    [InlineData(0, 16)]
    // Reads crossing blocks: the walk past a base run that ends its block fills the children's windows too. The base
    // makes 2 more calls: block 0's bitmap (the first read starts inside it), and at 8 MiB the rest of the block under
    // the children's runs (the read across the block boundary brings only the 4 KiB before them).
    [InlineData(512 * 1024, 18)]
    public void Each_layer_above_the_last_reads_its_bitmap_with_the_data_it_holds_in_one_call(int start, int baseReads)
    {
        const long Capacity = 16 * MiB;
        (List<string> layers, byte[] model) = ChildrenRewritingPagesEvery8MiB(Capacity, children: 3);
        (VirtualDisk disk, CountingStorage[] storages) = CountingStorage.OpenChain(layers);
        using (disk)
        {
            foreach (CountingStorage storage in storages)
            {
                storage.Reset();
            }

            var buffer = new byte[MiB];
            for (long offset = start; offset < Capacity; offset += MiB)
            {
                int read = disk.Read(buffer, offset);
                Assert.True(model.AsSpan((int)offset, read).SequenceEqual(buffer.AsSpan(0, read)), $"content at {offset}");
            }

            // Leaf first: each child holds a run in 2 blocks (one per 8 MiB), each read with its bitmap in one call
            // (two calls each before: the bitmap, then the run); the base is read in one call per request, as a raw
            // file would be (one more when a request crosses into a block).
            Assert.Equal([2, 2, 2, baseReads], storages.Select(s => s.Reads));
        }
    }

    /// <summary>
    /// chain-preads.sh's layout: a base full of data, and children each rewriting 64 KiB + 1.5 KiB at a different
    /// 4 KiB step from the start of the first block of every 8 MiB. Returns the layers (base first) and the content.
    /// </summary>
    private (List<string> Layers, byte[] Model) ChildrenRewritingPagesEvery8MiB(long capacity, int children)
    {
        var model = new byte[capacity];
        var random = new Random(8);
        random.NextBytes(model);
        var layers = new List<string> { ImageFiles.Dynamic(_folder.File("l0.vhd"), capacity) };
        using (VirtualDisk writer = VirtualDisk.Open(layers[0]))
        {
            writer.Write(model, 0);
        }

        for (int layer = 1; layer <= children; layer++)
        {
            layers.Add(ImageFiles.Differencing(_folder.File($"l{layer}.vhd"), layers[^1]));
            var piece = new byte[(64 * 1024) + 1536];
            using VirtualDisk writer = VirtualDisk.Open(layers[^1]);
            for (long offset = layer * 4096L; offset + piece.Length <= capacity; offset += 8 * MiB)
            {
                random.NextBytes(piece);
                writer.Write(piece, offset);
                piece.CopyTo(model, offset);
            }
        }

        return (layers, model);
    }

    [Fact]
    public void A_read_of_an_unallocated_range_never_touches_the_file()
    {
        string basePath = ImageFiles.Dynamic(_folder.File("base.vhd"), 8 * MiB);
        using (VirtualDisk writer = VirtualDisk.Open(basePath))
        {
            writer.Write(new byte[] { 1, 2, 3 }, (2 * MiB) + 5); // block 1 only
        }

        string child = ImageFiles.Differencing(_folder.File("child.vhd"), basePath);
        (VirtualDisk disk, CountingStorage[] storages) = CountingStorage.OpenChain([basePath, child]);
        using (disk)
        {
            foreach (CountingStorage storage in storages)
            {
                storage.Reset();
            }

            var buffer = new byte[2 * MiB];
            disk.Read(buffer, 0);
            disk.Read(buffer, 4 * MiB);
            disk.Read(buffer.AsSpan(0, 4096), (6 * MiB) + 512);
            Assert.All(storages, s => Assert.Equal(0, s.Reads));
            Assert.All(buffer, b => Assert.Equal(0, b));
        }
    }
}
