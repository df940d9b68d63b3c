using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Chain;

/// <summary>Corrupt block tables and bitmaps: a clear error or a documented tolerant read, never wrong data silently.</summary>
public class CorruptBlockTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WithTwoBlocks()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"), 8 * ImageFiles.MiB);
        using VirtualDisk disk = VirtualDisk.Open(path);
        disk.Write(new byte[] { 1 }, 0);
        disk.Write(new byte[] { 2 }, 2 * ImageFiles.MiB);
        return path;
    }

    [Fact]
    public void A_bat_entry_pointing_into_the_headers_is_refused()
    {
        string path = WithTwoBlocks();
        ImageFiles.WriteBigEndian(path, 1536 + 4, 1); // block 1 -> sector 1: the dynamic header
        var error = Assert.Throws<VhdFormatException>(() => VhdImage.Open(path));
        Assert.Equal(("Block allocation table", "entry 1"), (error.Structure, error.Field));
        Assert.Contains("dynamic header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_bat_entries_pointing_at_the_same_block_are_refused()
    {
        string path = WithTwoBlocks();
        uint first;
        using (VhdImage image = VhdImage.Open(path))
        {
            first = image.Bat![0];
        }

        ImageFiles.WriteBigEndian(path, 1536 + 8, first); // block 2 -> block 0's place
        var error = Assert.Throws<VhdFormatException>(() => VhdImage.Open(path));
        Assert.Contains("block 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bitmap_bits_past_the_capacity_are_ignored()
    {
        // 3 MiB + 512 B in 2 MiB blocks: the second block holds 1 MiB + 512 B of disk and 1 MiB - 512 B of nothing.
        long capacity = (3 * ImageFiles.MiB) + 512;
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"), capacity);
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            disk.Write(new byte[] { 7 }, capacity - 1);
        }

        long bitmapOffset;
        using (VhdImage image = VhdImage.Open(path))
        {
            bitmapOffset = (long)image.Bat![1] * 512;
        }

        var full = new byte[512];
        Array.Fill(full, (byte)0xFF);
        ImageFiles.WriteRaw(path, bitmapOffset, full); // claims every sector of the block, past the capacity too
        using VirtualDisk reader = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        Assert.Equal(capacity, reader.Capacity);
        var tail = new byte[4096];
        Assert.Equal(4096, reader.Read(tail, capacity - 4096));
        Assert.Equal(7, tail[^1]);
        Assert.Equal(0, reader.Read(tail, capacity));
        Assert.Equal(capacity, reader.GetExtents().Sum(e => e.Length));
    }
}
