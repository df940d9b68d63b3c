using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Chain;

/// <summary>Random writes through chains of depth 1 to 5, compared after every step with a plain byte array.</summary>
public class ReferenceModelTests : IDisposable
{
    private const long Capacity = (9L * 1024 * 1024) + (3 * 512); // not a whole number of blocks
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(1, 2 * 1024 * 1024, 11)]
    [InlineData(2, 512 * 1024, 12)]
    [InlineData(3, 2 * 1024 * 1024, 13)]
    [InlineData(4, 512 * 1024, 14)]
    [InlineData(5, 2 * 1024 * 1024, 15)]
    public void Every_write_reads_back_as_the_model_says(int depth, int blockSize, int seed)
    {
        var chain = new ChainBuilder(_folder.Path, Capacity, seed);
        for (int layer = 0; layer < depth; layer++)
        {
            chain.AddLayer(writes: 6, blockSize, afterEachWrite: disk => ChainBuilder.AssertContent(chain.Model, disk));
        }

        using VirtualDisk reopened = VirtualDisk.Open(chain.Leaf, new VirtualDiskOptions { ReadOnly = true });
        Assert.Equal(depth, reopened.Layers.Length);
        Assert.Empty(reopened.Warnings);
        ChainBuilder.AssertContent(chain.Model, reopened);
    }

    [Fact]
    public void Layers_with_different_block_sizes_compose()
    {
        var chain = new ChainBuilder(_folder.Path, Capacity, 21);
        chain.AddLayer(4, 2 * 1024 * 1024);
        chain.AddLayer(4, 512 * 1024, afterEachWrite: disk => ChainBuilder.AssertContent(chain.Model, disk));
        chain.AddLayer(4, 2 * 1024 * 1024, afterEachWrite: disk => ChainBuilder.AssertContent(chain.Model, disk));
        using VirtualDisk disk = VirtualDisk.Open(chain.Leaf, new VirtualDiskOptions { ReadOnly = true });
        Assert.Equal([2 * 1024 * 1024, 512 * 1024, 2 * 1024 * 1024], disk.Layers.Reverse().Select(l => l.BlockSize));
        ChainBuilder.AssertContent(chain.Model, disk);
    }

    [Fact]
    public void Sector_granular_writes_leave_the_rest_of_the_block_to_the_parent()
    {
        string basePath = _folder.File("base.vhd");
        VhdKit.Operations.CreateOperation.Run(VhdKit.Operations.CreateRequest.Dynamic(basePath, 4 * 1024 * 1024));
        var pattern = new byte[8 * 512];
        Array.Fill(pattern, (byte)0xAB);
        using (VirtualDisk parent = VirtualDisk.Open(basePath))
        {
            parent.Write(pattern, 0);
        }

        string child = ImageFiles.Differencing(_folder.File("child.vhd"), basePath);
        using (VirtualDisk disk = VirtualDisk.Open(child))
        {
            disk.Write(new byte[] { 0x11 }, (3 * 512) + 7); // one byte: the sector is completed from the parent
        }

        using VirtualDisk reader = VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true });
        var sectors = new byte[8 * 512];
        reader.Read(sectors, 0);
        byte[] expected = (byte[])pattern.Clone();
        expected[(3 * 512) + 7] = 0x11;
        Assert.Equal(expected, sectors);
        Assert.Equal(
            [new DiskExtent(0, 3 * 512, 1), new DiskExtent(3 * 512, 512, 0), new DiskExtent(4 * 512, 4 * 512, 1), new DiskExtent(8 * 512, (4 * 1024 * 1024) - (8 * 512), -1)],
            reader.GetExtents().ToArray());
        Assert.Equal([new DiskExtent(3L * 512, 512L, 0)], LayerWalk.Extents([reader.Layers[0]], reader.Capacity, allocatedOnly: true).ToArray());
    }

    [Fact]
    public void Fixed_and_dynamic_disks_alone_behave_as_plain_disks()
    {
        foreach (string path in new[] { ImageFiles.Fixed(_folder.File("f.vhd"), Capacity), ImageFiles.Dynamic(_folder.File("d.vhd"), Capacity) })
        {
            var model = new byte[Capacity];
            var random = new Random(3);
            using (VirtualDisk disk = VirtualDisk.Open(path))
            {
                for (int i = 0; i < 10; i++)
                {
                    int length = random.Next(1, 3 * 1024 * 1024);
                    long offset = random.NextInt64(0, Capacity - length);
                    var data = new byte[length];
                    random.NextBytes(data);
                    disk.Write(data, offset);
                    data.CopyTo(model, offset);
                    ChainBuilder.AssertContent(model, disk);
                }
            }

            using VirtualDisk reopened = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
            ChainBuilder.AssertContent(model, reopened);
        }
    }

    [Fact]
    public void Stream_follows_the_stream_contract()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"), 4 * 1024 * 1024);
        using VirtualDisk disk = VirtualDisk.Open(path);
        using Stream stream = disk.AsStream();
        Assert.True(stream.CanSeek && stream.CanRead && stream.CanWrite);
        Assert.Equal(4 * 1024 * 1024, stream.Length);
        stream.Position = 1000;
        stream.Write("hello"u8);
        Assert.Equal(1005, stream.Position);
        stream.Seek(-5, SeekOrigin.Current);
        var read = new byte[5];
        stream.ReadExactly(read);
        Assert.Equal("hello"u8.ToArray(), read);
        stream.Seek(-2, SeekOrigin.End);
        Assert.Equal(2, stream.Read(new byte[10], 0, 10));
        Assert.Equal(0, stream.Read(new byte[10], 0, 10));
        Assert.Throws<IOException>(() => stream.Write(new byte[3]));
        Assert.Throws<NotSupportedException>(() => stream.SetLength(10));
        Assert.Throws<IOException>(() => stream.Seek(-1, SeekOrigin.Begin));
    }

    [Fact]
    public void Writes_outside_the_disk_or_on_a_read_only_disk_are_refused()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"), 4 * 1024 * 1024);
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => disk.Write(new byte[2], (4 * 1024 * 1024) - 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => disk.Write(new byte[2], -1));
        }

        using VirtualDisk readOnly = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        Assert.Throws<NotSupportedException>(() => readOnly.Write(new byte[2], 0));
        Assert.Equal(0, readOnly.Read(new byte[2], 4 * 1024 * 1024));
    }

    [Fact]
    public async Task Async_twins_read_and_write_the_same_bytes()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"), 4 * 1024 * 1024);
        await using VirtualDisk disk = VirtualDisk.Open(path);
        await disk.WriteAsync(new byte[] { 1, 2, 3 }, 4095);
        await disk.FlushAsync();
        var buffer = new byte[3];
        Assert.Equal(3, await disk.ReadAsync(buffer, 4095));
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer);
    }

    [Fact]
    public void Unflushed_metadata_is_written_by_dispose_and_flushed_data_survives_reopening()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"), 4 * 1024 * 1024);
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            disk.Write(new byte[] { 9 }, 3 * 1024 * 1024);
        }

        using VhdImage image = VhdImage.Open(path);
        Assert.Equal(1, image.Bat!.AllocatedCount());
        Assert.Equal(0, (((long)image.Bat[1] * 512) + 512) % 4096);
        Assert.Equal(image.FileLength - 512, image.FooterOffset);
    }
}
