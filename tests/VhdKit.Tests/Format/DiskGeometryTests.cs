using VhdKit.Format;

namespace VhdKit.Tests.Format;

public class DiskGeometryTests
{
    private const long MiB = 1024 * 1024;
    private const long GiB = 1024 * MiB;

    // Expected values worked out from the spec appendix's algorithm by hand (and checked with an independent
    // Python transcription of it); 1 GiB -> 1,073,479,680 bytes is also what DiscUtils-made images show in qemu.
    public static TheoryData<long, int, int, int> Sizes => new()
    {
        { 3 * MiB, 90, 4, 17 },
        { 10 * MiB, 301, 4, 17 },
        { 64 * MiB, 963, 8, 17 },
        { (100 * MiB) + 512, 1003, 12, 17 },
        { 504 * MiB, 1024, 16, 63 },
        { GiB, 2080, 16, 63 },
        { 4 * GiB, 8322, 16, 63 },
        { 32 * GiB, 16448, 16, 255 },
        { 127 * GiB, 65278, 16, 255 },
        { 128 * GiB, 65535, 16, 255 },
        { 2040 * GiB, 65535, 16, 255 },
        { 8422686720, 16320, 16, 63 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Geometry_follows_the_spec_algorithm(long size, int cylinders, int heads, int sectorsPerTrack)
    {
        Assert.Equal(new DiskGeometry((ushort)cylinders, (byte)heads, (byte)sectorsPerTrack), DiskGeometry.FromCapacity(size));
    }

    [Fact]
    public void Sizes_above_127_GiB_saturate_at_the_maximum_geometry()
    {
        Assert.True(DiskGeometry.FromCapacity(128 * GiB).IsMaximum);
        Assert.Equal(136899993600L, DiskGeometry.Maximum.CapacityInBytes);
    }

    [Theory]
    [InlineData(3 * MiB)]
    [InlineData((100 * MiB) + 512)]
    [InlineData(GiB)]
    [InlineData(504 * MiB)]
    public void The_geometry_never_addresses_more_than_the_size(long size)
    {
        // XenServer's vhd-util check rejects C*H*S*512 above the current size ("geometry too large").
        DiskGeometry geometry = DiskGeometry.FromCapacity(size);
        Assert.False(geometry.IsMaximum);
        Assert.True(geometry.CapacityInBytes <= size);
    }
}
