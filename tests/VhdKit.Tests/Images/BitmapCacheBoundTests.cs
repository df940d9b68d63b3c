using System.Collections.Immutable;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Images;

/// <summary>
/// The bitmap cache is bounded in bytes, not in entries: an image with 256 MiB blocks has 64 KiB bitmaps, and a
/// count bound of thousands of them let <c>vhd map</c> of a 2040 GiB image use 650 MB.
/// </summary>
public class BitmapCacheBoundTests : IDisposable
{
    private const uint BlockSize = 256 * 1024 * 1024;
    private const int BitmapSize = 64 * 1024; // 524288 sectors per block, one bit each
    private const int Allocated = 1024;       // 64 MiB of bitmaps: twice the bound
    private const int Stride = 7;             // every seventh block of the 8160 is allocated
    private const long Capacity = VhdConstants.MaximumDiskSize;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// A sparse 2040 GiB dynamic image with 256 MiB blocks, <see cref="Allocated"/> of them allocated (every seventh
    /// block), each holding its first four sectors: only the metadata and one sector per bitmap are written.
    /// </summary>
    private string SparseImageWithBigBlocks()
    {
        string path = _folder.File("big-blocks.vhd");
        uint entries = (uint)(Capacity / BlockSize);
        const long TableOffset = 1536;
        long firstBlock = TableOffset + BlockAllocationTable.SizeInBytes(entries);
        long blockSpan = BitmapSize + BlockSize;
        long footerOffset = firstBlock + (Allocated * blockSpan);
        var footer = new VhdFooter
        {
            Features = FooterFeatures.Reserved,
            FormatVersion = VhdConstants.FormatVersion,
            DataOffset = 512,
            Timestamp = 0x2000_0000,
            CreatorApplication = FourCharacterCode.FromString("tap\0"),
            CreatorVersion = 0x0001_0003,
            CreatorHostOs = FourCharacterCode.FromString("Lnux"),
            OriginalSize = Capacity,
            CurrentSize = Capacity,
            Geometry = DiskGeometry.FromCapacity(Capacity),
            DiskType = VhdDiskType.Dynamic,
            UniqueId = Guid.NewGuid(),
        };
        var header = new DynamicHeader
        {
            DataOffset = ulong.MaxValue,
            TableOffset = TableOffset,
            HeaderVersion = VhdConstants.FormatVersion,
            MaxTableEntries = entries,
            BlockSize = BlockSize,
            ParentLocators = ImmutableArray<ParentLocatorEntry>.Empty,
        };
        var bat = new byte[BlockAllocationTable.SizeInBytes(entries)];
        bat.AsSpan().Fill(0xFF);
        for (int i = 0; i < Allocated; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bat.AsSpan(i * Stride * 4), (uint)((firstBlock + (i * blockSpan)) / 512));
        }

        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength(footerOffset + 512);
        var sector = new byte[512];
        footer.WriteTo(sector);
        file.Write(sector);
        file.Position = footerOffset;
        file.Write(sector);
        var headerBytes = new byte[1024];
        header.WriteTo(headerBytes);
        file.Position = 512;
        file.Write(headerBytes);
        file.Position = TableOffset;
        file.Write(bat);
        Array.Clear(sector);
        sector[0] = 0xF0;
        for (int i = 0; i < Allocated; i++)
        {
            file.Position = firstBlock + (i * blockSpan);
            file.Write(sector);
        }

        return path;
    }

    [Fact]
    public void Bitmap_cache_stays_under_its_byte_bound_on_an_image_with_256_MiB_blocks()
    {
        using VhdImage image = VhdImage.Open(SparseImageWithBigBlocks());
        long most = 0;
        for (int i = 0; i < Allocated; i++)
        {
            long offset = (long)i * Stride * BlockSize;
            Assert.True(image.Map(offset, BlockSize, out _, out long length));
            Assert.Equal(4 * 512, length);
            most = Math.Max(most, image.CachedBitmapBytes);
        }

        Assert.True(most <= BitmapCache.MaxCleanBytes, $"the cache held {most} bytes; the bound is {BitmapCache.MaxCleanBytes}");
        Assert.True(most >= BitmapCache.MaxCleanBytes / 2, $"the cache held only {most} bytes: it should use its room");
        Assert.Equal(Allocated, VhdKit.Chain.LayerWalk.Extents([image], image.Capacity, allocatedOnly: true).Length);
    }

    [Fact]
    public void Reads_from_a_block_start_with_64_KiB_bitmaps_return_the_held_sectors_and_zeros_elsewhere()
    {
        // A read-only open reads such a block's bitmap with its data (one call, the bitmap into a pooled buffer, as it
        // is larger than BitmapCache.MaxStackBitmap): the four held sectors are the file's, the next four are garbage
        // in the file that the bitmap does not hold, so they read as zeros.
        string path = SparseImageWithBigBlocks();
        long firstData = 1536 + BlockAllocationTable.SizeInBytes((uint)(Capacity / BlockSize)) + BitmapSize;
        var fileBytes = new byte[8 * 512];
        new Random(76).NextBytes(fileBytes);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Position = firstData;
            file.Write(fileBytes);
        }

        var read = new byte[fileBytes.Length];
        using (VhdKit.Chain.VirtualDisk disk = VhdKit.Chain.VirtualDisk.Open(path, new VhdKit.Chain.VirtualDiskOptions { ReadOnly = true }))
        {
            disk.Read(read, 0);
        }

        Assert.Equal(fileBytes.AsSpan(0, 4 * 512).ToArray(), read.AsSpan(0, 4 * 512).ToArray());
        Assert.Equal(new byte[4 * 512], read.AsSpan(4 * 512).ToArray());
    }

    [Fact]
    public void Writes_that_dirty_more_bitmaps_than_the_bound_flush_them()
    {
        string path = SparseImageWithBigBlocks();
        using (VhdImage image = VhdImage.Open(path, new VhdOpenOptions { Writable = true }))
        {
            var data = new byte[512];
            data.AsSpan().Fill(0x3C);
            for (int i = 0; i < Allocated; i++)
            {
                image.WriteSectors(data, ((long)i * Stride * BlockSize) + (100 * 512));
                Assert.True(image.DirtyBitmapBytes <= BitmapCache.MaxDirtyBytes, $"{image.DirtyBitmapBytes} bytes of dirty bitmaps after {i + 1} writes");
                Assert.True(image.CachedBitmapBytes <= BitmapCache.MaxCleanBytes + BitmapCache.MaxDirtyBytes, $"{image.CachedBitmapBytes} bytes of bitmaps after {i + 1} writes");
            }

            image.Flush();
        }

        using VhdImage reopened = VhdImage.Open(path);
        for (int i = 0; i < Allocated; i++)
        {
            Assert.True(reopened.Map(((long)i * Stride * BlockSize) + (100 * 512), 512, out _, out _), $"block {i * Stride}");
        }
    }
}
