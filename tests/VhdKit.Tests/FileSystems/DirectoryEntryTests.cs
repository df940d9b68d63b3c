using System.Buffers.Binary;
using VhdKit.FileSystems.Fat;

namespace VhdKit.Tests.FileSystems;

/// <summary>The 32-byte short entry and FAT's packed times, field by field (fatgen103's offsets).</summary>
public sealed class DirectoryEntryTests
{
    [Fact]
    public void A_short_entry_holds_each_field_at_its_offset_with_all_three_times()
    {
        var created = new DateTimeOffset(2024, 3, 5, 14, 7, 9, 370, TimeSpan.Zero);
        var modified = new DateTimeOffset(2025, 12, 31, 23, 59, 59, TimeSpan.Zero);
        var accessed = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var entry = new ShortDirectoryEntry
        {
            Name = new ShortName("README", "TXT"),
            Attributes = FatAttributes.Archive,
            CaseFlags = ShortDirectoryEntry.LowerCaseExtension,
            Times = new FatFileTimes(created, modified, accessed),
            FirstCluster = 0x00123456,
            FileSize = 0xCAFEBABE,
        };
        var bytes = new byte[ShortDirectoryEntry.Size];
        entry.WriteTo(bytes);

        Assert.Equal("README  TXT"u8.ToArray(), bytes[..11]);
        Assert.Equal(0x20, bytes[11]);
        Assert.Equal(0x10, bytes[12]);
        Assert.Equal(137, bytes[13]);                                                       // 1 s + 37 hundredths past 14:07:08
        Assert.Equal((14 << 11) | (7 << 5) | 4, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(14)));
        Assert.Equal((44 << 9) | (3 << 5) | 5, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(16)));
        Assert.Equal((46 << 9) | (1 << 5) | 2, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(18)));   // access date
        Assert.Equal(0x0012, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(20)));
        Assert.Equal((23 << 11) | (59 << 5) | 29, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(22)));
        Assert.Equal((45 << 9) | (12 << 5) | 31, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(0x3456, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(26)));
        Assert.Equal(0xCAFEBABE, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(28)));
    }

    [Fact]
    public void Times_outside_what_FAT_holds_are_clamped_to_1980_and_2107()
    {
        Assert.Equal((0 << 9) | (1 << 5) | 1, FatTimestamp.Date(new DateTimeOffset(1970, 6, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal((127 << 9) | (12 << 5) | 31, FatTimestamp.Date(new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Times_in_another_zone_are_stored_as_UTC()
    {
        var local = new DateTimeOffset(2024, 3, 5, 16, 0, 0, TimeSpan.FromHours(2));
        Assert.Equal(14 << 11, FatTimestamp.Time(local));
    }

    [Fact]
    public void Long_name_entries_hold_13_units_each_last_piece_first_ending_in_0000_then_FFFF()
    {
        const string name = "a long name.text";            // 16 units: two entries
        byte checksum = LongNameEntry.Checksum("ALONGN~1TEX"u8);
        var bytes = new byte[2 * ShortDirectoryEntry.Size];
        LongNameEntry.Write(name, checksum, bytes);

        Assert.Equal(0x42, bytes[0]);                       // order 2, last
        Assert.Equal(0x01, bytes[32]);                      // order 1
        Assert.All(new[] { bytes[11], bytes[43] }, a => Assert.Equal(0x0F, a));
        Assert.All(new[] { bytes[13], bytes[45] }, c => Assert.Equal(checksum, c));
        Assert.Equal('a', BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(32 + 1)));
        Assert.Equal('t', BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(32 + 30)));      // unit 13 of piece 1
        Assert.Equal('e', BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(1)));            // unit 14: "ext" follows
        Assert.Equal('t', BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(5)));
        Assert.Equal(0x0000, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(7)));         // unit 17: the terminator
        Assert.Equal(0xFFFF, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(9)));         // then padding
        Assert.Equal(0xFFFF, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(30)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(26)));             // FstClusLO
    }
}
