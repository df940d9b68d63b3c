using VhdKit.Format;

namespace VhdKit.Tests.Format;

public class VhdChecksumTests
{
    [Fact]
    public void All_zero_structure_sums_to_zero_so_checksum_is_all_ones()
    {
        Assert.Equal(0xFFFFFFFFu, VhdChecksum.Compute(new byte[512], 64));
    }

    [Fact]
    public void Checksum_field_itself_is_not_summed()
    {
        var bytes = new byte[512];
        bytes[0] = 1;
        bytes[511] = 2;
        bytes.AsSpan(64, 4).Fill(0xFF); // ignored
        Assert.Equal(~3u, VhdChecksum.Compute(bytes, 64));
    }

    [Fact]
    public void Cookie_conectix_alone_sums_its_bytes()
    {
        // c o n e c t i x = 99+111+110+101+99+116+105+120 = 861 = 0x35D; ones' complement = 0xFFFFFCA2.
        var bytes = new byte[512];
        "conectix"u8.CopyTo(bytes);
        Assert.Equal(0xFFFFFCA2u, VhdChecksum.Compute(bytes, 64));
    }

    [Fact]
    public void Sum_wraps_at_32_bits_without_overflow_errors()
    {
        var bytes = new byte[1024];
        Array.Fill(bytes, (byte)0xFF);
        Assert.Equal(~(uint)(0xFF * 1020), VhdChecksum.Compute(bytes, 36));
    }
}
