using VhdKit.Format;

namespace VhdKit.Tests.Format;

public class SectorBitmapTests
{
    [Fact]
    public void Bit_order_is_most_significant_bit_first()
    {
        var bitmap = new byte[512];
        SectorBitmap.Set(bitmap, 0, true);
        SectorBitmap.Set(bitmap, 9, true);
        Assert.Equal(0x80, bitmap[0]);
        Assert.Equal(0x40, bitmap[1]);
        Assert.True(SectorBitmap.IsSet(bitmap, 9));
        Assert.False(SectorBitmap.IsSet(bitmap, 8));
    }

    [Fact]
    public void Runs_are_counted_across_bytes_and_bounded()
    {
        var bitmap = new byte[512];
        SectorBitmap.SetRange(bitmap, 3, 30, true);
        Assert.Equal(3, SectorBitmap.CountRun(bitmap, 0, 4096));
        Assert.Equal(30, SectorBitmap.CountRun(bitmap, 3, 4096));
        Assert.Equal(10, SectorBitmap.CountRun(bitmap, 3, 10));
        Assert.Equal(4096 - 33, SectorBitmap.CountRun(bitmap, 33, 4096 - 33));
        SectorBitmap.SetRange(bitmap, 10, 5, false);
        Assert.Equal(7, SectorBitmap.CountRun(bitmap, 3, 4096));
    }

    [Theory]
    [InlineData(4096, 512)] // 2 MiB blocks
    [InlineData(1024, 512)] // 512 KiB blocks
    [InlineData(8192, 1024)]
    public void Bitmap_size_is_padded_to_sectors(int sectorsPerBlock, int expected)
    {
        Assert.Equal(expected, SectorBitmap.SizeInBytes(sectorsPerBlock));
    }
}
