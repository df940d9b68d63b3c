using System.Buffers.Binary;
using VhdKit.Format;
using VhdKit.Format.Vhdx;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// Each structure against bytes laid out by hand from MS-VHDX (offsets and values typed here, not computed by the
/// code under test). The CRC-32C literals were computed by tests/.../Vhdx/vhdx_spec_reader.py, an independent
/// table-driven implementation, over the same bytes.
/// </summary>
public class VhdxGoldenBytesTests
{
    private static readonly Guid FileWrite = new("11111111-2222-3333-4444-555555555555");
    private static readonly Guid DataWrite = new("66666666-7777-8888-9999-aaaaaaaaaaaa");

    private static byte[] HandHeader()
    {
        var h = new byte[4096];
        "head"u8.CopyTo(h);
        new byte[] { 0xA2, 0x6C, 0x25, 0xE0 }.CopyTo(h, 4); // CRC-32C 0xE0256CA2, little-endian
        new byte[] { 8, 7, 6, 5, 4, 3, 2, 1 }.CopyTo(h, 8); // sequence 0x0102030405060708
        new byte[] { 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33, 0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55 }.CopyTo(h, 16);
        new byte[] { 0x66, 0x66, 0x66, 0x66, 0x77, 0x77, 0x88, 0x88, 0x99, 0x99, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA }.CopyTo(h, 32);
        h[66] = 1; // Version 1 (LogVersion 0 at 64)
        h[70] = 0x10; // LogLength 0x100000
        h[74] = 0x10; // LogOffset 0x100000
        return h;
    }

    [Fact]
    public void Header_writes_the_hand_laid_bytes_and_reads_them_back()
    {
        var header = new VhdxHeader
        {
            SequenceNumber = 0x0102030405060708,
            FileWriteGuid = FileWrite,
            DataWriteGuid = DataWrite,
            Version = 1,
            LogLength = 0x100000,
            LogOffset = 0x100000,
        };
        var bytes = new byte[4096];
        header.WriteTo(bytes);
        Assert.Equal(HandHeader(), bytes);

        VhdxHeader parsed = VhdxHeader.Parse(HandHeader());
        Assert.True(parsed.IsValid);
        Assert.Equal(0xE0256CA2u, parsed.Checksum);
        Assert.Equal(header with { Checksum = 0xE0256CA2, ComputedChecksum = 0xE0256CA2, HasValidSignature = true }, parsed);
        parsed.Validate(VhdxLayout.Header1Offset, 4L << 20);
    }

    [Fact]
    public void Region_table_writes_the_hand_laid_bytes()
    {
        var t = new byte[65536];
        "regi"u8.CopyTo(t);
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(4), 0x24453396);
        t[8] = 2;
        new byte[] { 0x66, 0x77, 0xC2, 0x2D, 0x23, 0xF6, 0x00, 0x42, 0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD, 0x4A, 0x08 }.CopyTo(t, 16);
        t[16 + 18] = 0x20; // BAT at 2 MiB
        t[16 + 26] = 0x10; // 1 MiB long
        t[16 + 28] = 1; // required
        new byte[] { 0x06, 0xA2, 0x7C, 0x8B, 0x90, 0x47, 0x9A, 0x4B, 0xB8, 0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E }.CopyTo(t, 48);
        t[48 + 18] = 0x30; // metadata at 3 MiB
        t[48 + 26] = 0x10;
        t[48 + 28] = 1;

        var table = new VhdxRegionTable
        {
            Entries =
            [
                new VhdxRegionEntry { Id = VhdxGuids.BatRegion, FileOffset = 2 << 20, Length = 1 << 20, IsRequired = true },
                new VhdxRegionEntry { Id = VhdxGuids.MetadataRegion, FileOffset = 3 << 20, Length = 1 << 20, IsRequired = true },
            ],
        };
        var bytes = new byte[65536];
        table.WriteTo(bytes);
        Assert.Equal(t, bytes);

        VhdxRegionTable parsed = VhdxRegionTable.Parse(t);
        Assert.True(parsed.IsValid);
        Assert.Equal(table.Entries.ToArray(), parsed.Entries.ToArray());
        parsed.Validate(VhdxLayout.RegionTable1Offset, 4L << 20);
    }

    [Fact]
    public void File_identifier_is_the_signature_then_the_creator_in_utf16le()
    {
        var bytes = new byte[VhdxFileIdentifier.Size];
        new VhdxFileIdentifier { Creator = "Ab" }.WriteTo(bytes);
        Assert.Equal("vhdxfileA\0b\0\0\0"u8.ToArray(), bytes[..14]);
        Assert.Equal("Ab", VhdxFileIdentifier.Parse(bytes).Creator);
        bytes[0] = (byte)'V';
        Assert.Throws<VhdxFormatException>(() => VhdxFileIdentifier.Parse(bytes));
    }

    [Fact]
    public void Metadata_entry_and_file_parameters_match_their_hand_laid_bytes()
    {
        var entry = new byte[32];
        new byte[] { 0x37, 0x67, 0xA1, 0xCA, 0x36, 0xFA, 0x43, 0x4D, 0xB3, 0xB6, 0x33, 0xF0, 0xAA, 0x44, 0xE7, 0x6B }.CopyTo(entry, 0);
        entry[18] = 1; // offset 0x10000
        entry[20] = 8; // length 8
        entry[24] = 0b110; // IsVirtualDisk | IsRequired
        var written = new byte[32];
        new VhdxMetadataEntry { ItemId = VhdxGuids.FileParameters, Offset = 0x10000, Length = 8, IsVirtualDisk = true, IsRequired = true }.WriteTo(written);
        Assert.Equal(entry, written);

        byte[] parameters = [0, 0, 0, 2, 3, 0, 0, 0]; // 32 MiB, LeaveBlockAllocated | HasParent
        VhdxFileParameters parsed = VhdxFileParameters.Parse(parameters);
        Assert.Equal(32u << 20, parsed.BlockSize);
        Assert.True(parsed.LeaveBlockAllocated && parsed.HasParent);
        var back = new byte[8];
        parsed.WriteTo(back);
        Assert.Equal(parameters, back);
    }

    [Fact]
    public void Parent_locator_matches_its_hand_laid_bytes()
    {
        // Header (type, reserved, count 1), one entry (key at 32 length 2, value at 34 length 4), "k", "vw".
        var item = new byte[38];
        new byte[] { 0xB7, 0xEF, 0x4A, 0xB0, 0x9E, 0xD1, 0x81, 0x4A, 0xB7, 0x89, 0x25, 0xB8, 0xE9, 0x44, 0x59, 0x13 }.CopyTo(item, 0);
        item[18] = 1;
        item[20] = 32;
        item[24] = 34;
        item[28] = 2;
        item[30] = 4;
        "k\0v\0w\0"u8.CopyTo(item.AsSpan(32));
        var locator = new VhdxParentLocator { LocatorType = VhdxGuids.VhdxParentLocatorType, Entries = [new("k", "vw")] };
        Assert.Equal(38, locator.Length);
        var written = new byte[38];
        locator.WriteTo(written);
        Assert.Equal(item, written);
        VhdxParentLocator parsed = VhdxParentLocator.Parse(item, 0);
        Assert.Equal("vw", parsed["k"]);
        Assert.Equal(VhdxGuids.VhdxParentLocatorType, parsed.LocatorType);
    }

    [Fact]
    public void Bat_entry_keeps_state_in_the_low_three_bits_and_the_offset_in_mib_from_bit_20()
    {
        var entry = new VhdxBatEntry(0x0000_0000_0030_0006); // FULLY_PRESENT at 3 MiB
        Assert.Equal(VhdxBlockState.FullyPresent, entry.State);
        Assert.Equal(3UL, entry.FileOffsetMB);
        Assert.Equal(3UL << 20, entry.FileOffset);
        Assert.Equal(entry, VhdxBatEntry.Create(VhdxBlockState.FullyPresent, 3 << 20));
        Assert.Equal(0x8UL, new VhdxBatEntry(0x0030_000E).ReservedBits);
        Assert.False(new VhdxBatEntry(4).HasKnownState);
        Assert.Throws<ArgumentException>(() => VhdxBatEntry.Create(VhdxBlockState.FullyPresent, 4096));
    }

    [Fact]
    public void Log_descriptors_and_data_sectors_match_their_hand_laid_bytes()
    {
        var desc = new byte[32];
        "desc"u8.CopyTo(desc);
        desc[4] = 0xDD; // trailing bytes
        desc[8] = 0xAA; // leading bytes
        desc[17] = 0x20; // file offset 0x2000
        desc[24] = 5; // sequence 5
        VhdxLogDescriptor parsed = VhdxLogDescriptor.Parse(desc)!.Value;
        Assert.True(parsed.IsData);
        Assert.Equal(0xDDu, parsed.TrailingBytes);
        Assert.Equal(0xAAUL, parsed.LeadingBytes);
        Assert.Equal(0x2000UL, parsed.FileOffset);
        Assert.Equal(5UL, parsed.SequenceNumber);
        var written = new byte[32];
        parsed.WriteTo(written);
        Assert.Equal(desc, written);

        var zero = new byte[32];
        "zero"u8.CopyTo(zero);
        zero[9] = 0x10; // 4 KiB
        zero[24] = 5;
        VhdxLogDescriptor z = VhdxLogDescriptor.Parse(zero)!.Value;
        Assert.False(z.IsData);
        Assert.Equal(4096UL, z.ZeroLength);
        Assert.Null(VhdxLogDescriptor.Parse(new byte[32]));

        var sector = new byte[4096];
        "data"u8.CopyTo(sector);
        sector[4] = 1; // sequence high 1
        sector[8] = 0x42;
        sector[4092] = 5; // sequence low 5
        Assert.True(VhdxLogDataSector.Belongs(sector, (1UL << 32) | 5));
        Assert.False(VhdxLogDataSector.Belongs(sector, 5));
        var payload = new byte[4096];
        VhdxLogDataSector.Assemble(parsed, sector, payload);
        Assert.Equal(0xAA, payload[0]);
        Assert.Equal(0x42, payload[8]);
        Assert.Equal(0xDD, payload[4092]);
    }

    [Fact]
    public void Log_entry_header_matches_its_hand_laid_bytes()
    {
        var h = new byte[64];
        "loge"u8.CopyTo(h);
        h[9] = 0x10; // entry length 4096
        h[13] = 0x20; // tail 0x2000
        h[16] = 9; // sequence 9
        h[24] = 3; // 3 descriptors
        new byte[] { 0x66, 0x66, 0x66, 0x66, 0x77, 0x77, 0x88, 0x88, 0x99, 0x99, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA }.CopyTo(h, 32);
        h[50] = 0x50; // flushed 0x500000
        h[58] = 0x60; // last 0x600000
        VhdxLogEntryHeader parsed = VhdxLogEntryHeader.Parse(h);
        Assert.True(parsed.HasValidSignature);
        Assert.Equal((4096u, 0x2000u, 9UL, 3u, DataWrite, 0x500000UL, 0x600000UL),
            (parsed.EntryLength, parsed.Tail, parsed.SequenceNumber, parsed.DescriptorCount, parsed.LogGuid, parsed.FlushedFileOffset, parsed.LastFileOffset));
        Assert.Equal(1, parsed.DescriptorSectors);
        Assert.Equal(1, (parsed with { DescriptorCount = 126 }).DescriptorSectors); // 64 + 126 x 32 = 4096 bytes
        Assert.Equal(2, (parsed with { DescriptorCount = 127 }).DescriptorSectors); // one more needs a second sector
        var written = new byte[64];
        parsed.WriteTo(written);
        Assert.Equal(h, written);
    }

    public static TheoryData<string, int> Tables => new()
    {
        { "header", 4096 },
        { "region entry", 32 },
        { "region table header", 16 },
        { "metadata table header", 32 },
        { "metadata entry", 32 },
        { "file parameters", 8 },
        { "parent locator header", 20 },
        { "parent locator entry", 12 },
        { "log entry header", 64 },
        { "log descriptor", 32 },
        { "log data sector", 4096 },
        { "file identifier", 520 },
    };

    [Theory]
    [MemberData(nameof(Tables))]
    public void Fields_are_contiguous_and_add_up_to_the_structure_size(string table, int size)
    {
        FieldSpan[] fields = table switch
        {
            "header" => VhdxHeaderLayout.Fields,
            "region entry" => VhdxRegionEntry.Fields,
            "region table header" => VhdxRegionTable.HeaderFields,
            "metadata table header" => VhdxMetadataTable.HeaderFields,
            "metadata entry" => VhdxMetadataEntry.Fields,
            "file parameters" => VhdxFileParameters.Fields,
            "parent locator header" => VhdxParentLocator.HeaderFields,
            "parent locator entry" => VhdxParentLocator.EntryFields,
            "log entry header" => VhdxLogEntryHeader.Fields,
            "log descriptor" => VhdxLogDescriptor.Fields,
            "log data sector" => VhdxLogDataSector.Fields,
            _ => VhdxFileIdentifier.Fields,
        };
        int offset = 0;
        foreach (FieldSpan field in fields)
        {
            Assert.True(field.Offset == offset, $"{table}: {field.Name} starts at {field.Offset}, the previous field ends at {offset}");
            offset += field.Length;
        }

        Assert.Equal(size, offset);
    }
}
