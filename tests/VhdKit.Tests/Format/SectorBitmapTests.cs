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

    [Fact]
    public void Runs_match_a_bit_by_bit_count_for_random_patterns()
    {
        var random = new Random(7);
        var bitmap = new byte[512];
        for (int pattern = 0; pattern < 200; pattern++)
        {
            Array.Clear(bitmap);
            for (int runs = random.Next(0, 12); runs > 0; runs--)
            {
                int start = random.Next(0, 4096);
                SectorBitmap.SetRange(bitmap, start, random.Next(1, Math.Min(700, 4096 - start) + 1), random.Next(2) == 0);
            }

            for (int probe = 0; probe < 50; probe++)
            {
                int sector = random.Next(0, 4096);
                int maxCount = random.Next(1, 4096 - sector + 1);
                Assert.Equal(CountBitByBit(bitmap, sector, maxCount), SectorBitmap.CountRun(bitmap, sector, maxCount));
            }
        }
    }

    [Theory]
    [InlineData(4096, 512)] // 2 MiB blocks
    [InlineData(1024, 512)] // 512 KiB blocks
    [InlineData(8192, 1024)]
    public void Bitmap_size_is_padded_to_sectors(int sectorsPerBlock, int expected)
    {
        Assert.Equal(expected, SectorBitmap.SizeInBytes(sectorsPerBlock));
    }

    private static int CountBitByBit(byte[] bitmap, int sector, int maxCount)
    {
        int count = 1;
        while (count < maxCount && SectorBitmap.IsSet(bitmap, sector + count) == SectorBitmap.IsSet(bitmap, sector))
        {
            count++;
        }

        return count;
    }
}
