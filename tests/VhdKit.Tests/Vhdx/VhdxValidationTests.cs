using VhdKit.Format.Vhdx;

namespace VhdKit.Tests.Vhdx;

/// <summary>Each structure refuses what the format forbids with a VhdxFormatException naming the field, and chooses as MS-VHDX says.</summary>
public class VhdxValidationTests
{
    private static VhdxHeader Header(ulong sequence)
    {
        var bytes = new byte[4096];
        new VhdxHeader { SequenceNumber = sequence, Version = 1, LogLength = 1 << 20, LogOffset = 1 << 20 }.WriteTo(bytes);
        return VhdxHeader.Parse(bytes);
    }

    [Fact]
    public void The_valid_header_with_the_higher_sequence_number_is_current()
    {
        Assert.Equal(2, VhdxHeader.Choose(Header(5), Header(6)));
        Assert.Equal(1, VhdxHeader.Choose(Header(7), Header(6)));
        Assert.Equal(1, VhdxHeader.Choose(Header(7), Header(8) with { ComputedChecksum = 1 }));
        Assert.Equal(2, VhdxHeader.Choose(Header(9) with { HasValidSignature = false }, Header(8)));
        var e = Assert.Throws<VhdxFormatException>(() => VhdxHeader.Choose(Header(1) with { HasValidSignature = false }, Header(2) with { ComputedChecksum = 3 }));
        Assert.Contains("Neither VHDX header is valid", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_with_another_version_or_a_log_outside_the_file_is_refused()
    {
        Assert.Equal("Version", Assert.Throws<VhdxFormatException>(() => (Header(1) with { Version = 2 }).Validate(0x10000, 8 << 20)).Field);
        Assert.Equal("LogOffset", Assert.Throws<VhdxFormatException>(() => (Header(1) with { LogOffset = 8 << 20 }).Validate(0x10000, 8 << 20)).Field);
        Assert.Equal("LogLength", Assert.Throws<VhdxFormatException>(() => (Header(1) with { LogLength = 4096 }).Validate(0x10000, 8 << 20)).Field);
    }

    private static VhdxRegionTable Regions(params VhdxRegionEntry[] extra) => new()
    {
        Entries =
        [
            new VhdxRegionEntry { Id = VhdxGuids.BatRegion, FileOffset = 2 << 20, Length = 1 << 20, IsRequired = true },
            new VhdxRegionEntry { Id = VhdxGuids.MetadataRegion, FileOffset = 3 << 20, Length = 1 << 20, IsRequired = true },
            .. extra,
        ],
    };

    [Fact]
    public void An_unknown_required_region_is_refused_and_an_unknown_optional_one_accepted()
    {
        var unknown = new VhdxRegionEntry { Id = Guid.NewGuid(), FileOffset = 4 << 20, Length = 1 << 20 };
        Regions(unknown).Validate(0x30000, 8 << 20);
        var e = Assert.Throws<VhdxFormatException>(() => Regions(unknown with { IsRequired = true }).Validate(0x30000, 8 << 20));
        Assert.Contains("marked required and unknown", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlapping_misaligned_missing_or_outside_regions_are_refused()
    {
        var overlap = new VhdxRegionEntry { Id = Guid.NewGuid(), FileOffset = 3 << 20, Length = 1 << 20 };
        Assert.Contains("overlapping", Assert.Throws<VhdxFormatException>(() => Regions(overlap).Validate(0x30000, 8 << 20)).Message, StringComparison.Ordinal);
        Assert.Throws<VhdxFormatException>(() => Regions().Validate(0x30000, 3 << 20)); // metadata past the end
        Assert.Throws<VhdxFormatException>(() => (Regions() with { Entries = Regions().Entries.SetItem(0, Regions().Entries[0] with { FileOffset = 4096 }) }).Validate(0x30000, 8 << 20));
        Assert.Throws<VhdxFormatException>(() => (Regions() with { Entries = [Regions().Entries[0]] }).Validate(0x30000, 8 << 20));
    }

    [Fact]
    public void A_region_table_claiming_more_than_2047_entries_is_invalid_and_reads_no_more()
    {
        var bytes = new byte[VhdxRegionTable.Size];
        Regions().WriteTo(bytes);
        bytes[8] = 0xFF;
        bytes[9] = 0xFF;
        bytes[10] = 0xFF;
        bytes[11] = 0xFF;
        VhdxRegionTable parsed = VhdxRegionTable.Parse(bytes);
        Assert.False(parsed.IsValid);
        Assert.Equal(2047, parsed.Entries.Length);
    }

    private sealed class Region
    {
        public byte[] Bytes { get; } = new byte[1 << 20];

        public void Read(long offset, Span<byte> destination) => Bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);
    }

    private static (VhdxMetadataTable Table, Region Region) Metadata(uint blockSize = 32 << 20, uint logical = 512, ulong size = 1 << 30, VhdxMetadataEntry? extra = null, VhdxParentLocator? locator = null, bool hasParent = false)
    {
        var region = new Region();
        var entries = new List<VhdxMetadataEntry>();
        uint at = 0x10000;
        void Add(Guid id, ReadOnlySpan<byte> value, bool virtualDisk)
        {
            value.CopyTo(region.Bytes.AsSpan((int)at));
            entries.Add(new VhdxMetadataEntry { ItemId = id, Offset = at, Length = (uint)value.Length, IsRequired = true, IsVirtualDisk = virtualDisk });
            at += 0x1000;
        }

        var parameters = new byte[8];
        new VhdxFileParameters { BlockSize = blockSize, HasParent = hasParent }.WriteTo(parameters);
        Add(VhdxGuids.FileParameters, parameters, false);
        Add(VhdxGuids.VirtualDiskSize, BitConverter.GetBytes(size), true);
        Add(VhdxGuids.VirtualDiskId, Guid.NewGuid().ToByteArray(), true);
        Add(VhdxGuids.LogicalSectorSize, BitConverter.GetBytes(logical), true);
        Add(VhdxGuids.PhysicalSectorSize, BitConverter.GetBytes(4096u), true);
        if (locator is { } l)
        {
            var bytes = new byte[l.Length];
            l.WriteTo(bytes);
            Add(VhdxGuids.ParentLocator, bytes, false);
        }

        if (extra is { } e)
        {
            entries.Add(e);
        }

        var table = new VhdxMetadataTable { Entries = [.. entries] };
        table.WriteTo(region.Bytes);
        return (VhdxMetadataTable.Parse(region.Bytes, 0, 1 << 20), region);
    }

    [Fact]
    public void Metadata_items_read_back_and_an_unknown_optional_item_is_kept()
    {
        var optional = new VhdxMetadataEntry { ItemId = Guid.NewGuid(), Offset = 0x20000, Length = 16, IsUser = true };
        (VhdxMetadataTable table, Region region) = Metadata(extra: optional);
        VhdxMetadata metadata = VhdxMetadata.Parse(table, 0, region.Read);
        Assert.Equal(32u << 20, metadata.FileParameters.BlockSize);
        Assert.Equal(1UL << 30, metadata.VirtualDiskSize);
        Assert.Equal(512u, metadata.LogicalSectorSize);
        Assert.Equal(4096u, metadata.PhysicalSectorSize);
        Assert.Null(metadata.ParentLocator);
        Assert.Equal([optional], metadata.UnknownItems.ToArray());
    }

    [Fact]
    public void An_unknown_required_metadata_item_is_refused()
    {
        var required = new VhdxMetadataEntry { ItemId = Guid.NewGuid(), Offset = 0x20000, Length = 16, IsRequired = true };
        (VhdxMetadataTable table, Region region) = Metadata(extra: required);
        Assert.Contains("marked required and unknown", Assert.Throws<VhdxFormatException>(() => VhdxMetadata.Parse(table, 0, region.Read)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3u << 20, 512u, 1UL << 30, "FileParameters.BlockSize")]
    [InlineData(512u << 20, 512u, 1UL << 30, "FileParameters.BlockSize")]
    [InlineData(1u << 19, 512u, 1UL << 30, "FileParameters.BlockSize")]
    [InlineData(1u << 20, 1024u, 1UL << 30, "LogicalSectorSize")]
    [InlineData(1u << 20, 4096u, (1UL << 30) + 512, "VirtualDiskSize")]
    [InlineData(1u << 20, 512u, (64UL << 40) + 512, "VirtualDiskSize")]
    public void Out_of_range_metadata_values_are_refused_naming_the_field(uint block, uint logical, ulong size, string field)
    {
        (VhdxMetadataTable table, Region region) = Metadata(block, logical, size);
        Assert.Equal(field, Assert.Throws<VhdxFormatException>(() => VhdxMetadata.Parse(table, 0, region.Read)).Field);
    }

    [Fact]
    public void HasParent_and_the_parent_locator_must_agree()
    {
        var locator = new VhdxParentLocator { LocatorType = VhdxGuids.VhdxParentLocatorType, Entries = [new(VhdxParentLocator.ParentLinkage, "{x}")] };
        (VhdxMetadataTable table, Region region) = Metadata(locator: locator, hasParent: true);
        Assert.Equal("{x}", VhdxMetadata.Parse(table, 0, region.Read).ParentLocator!.Value[VhdxParentLocator.ParentLinkage]);
        (table, region) = Metadata(hasParent: true);
        Assert.Equal("FileParameters.HasParent", Assert.Throws<VhdxFormatException>(() => VhdxMetadata.Parse(table, 0, region.Read)).Field);
        (table, region) = Metadata(locator: locator with { LocatorType = Guid.NewGuid() }, hasParent: true);
        Assert.Equal("ParentLocator.LocatorType", Assert.Throws<VhdxFormatException>(() => VhdxMetadata.Parse(table, 0, region.Read)).Field);
    }

    [Fact]
    public void Metadata_entries_outside_the_region_or_over_1_MiB_are_refused()
    {
        var table = new VhdxMetadataTable { Entries = [new VhdxMetadataEntry { ItemId = VhdxGuids.VirtualDiskSize, Offset = 0xFFFF0, Length = 0x20 }] };
        var bytes = new byte[VhdxMetadataTable.Size];
        table.WriteTo(bytes);
        Assert.Throws<VhdxFormatException>(() => VhdxMetadataTable.Parse(bytes, 0, 1 << 20));
        table = new VhdxMetadataTable { Entries = [new VhdxMetadataEntry { ItemId = VhdxGuids.VirtualDiskSize, Offset = 0x8000, Length = 8 }] };
        table.WriteTo(bytes);
        Assert.Throws<VhdxFormatException>(() => VhdxMetadataTable.Parse(bytes, 0, 1 << 20)); // inside the table itself
        bytes[0] = (byte)'M';
        Assert.Equal("Signature", Assert.Throws<VhdxFormatException>(() => VhdxMetadataTable.Parse(bytes, 0, 1 << 20)).Field);
    }

    [Fact]
    public void Parent_locator_entries_pointing_outside_the_item_are_refused()
    {
        var locator = new VhdxParentLocator { LocatorType = VhdxGuids.VhdxParentLocatorType, Entries = [new("key", "value")] };
        var bytes = new byte[locator.Length];
        locator.WriteTo(bytes);
        bytes[24] = 0xF0; // value offset far past the end
        Assert.Throws<VhdxFormatException>(() => VhdxParentLocator.Parse(bytes, 0));
        bytes[18] = 0xFF; // more entries than fit
        Assert.Equal("KeyValueCount", Assert.Throws<VhdxFormatException>(() => VhdxParentLocator.Parse(bytes, 0)).Field);
        var twice = new VhdxParentLocator { LocatorType = VhdxGuids.VhdxParentLocatorType, Entries = [new("k", "a"), new("k", "b")] };
        bytes = new byte[twice.Length];
        twice.WriteTo(bytes);
        Assert.Throws<VhdxFormatException>(() => VhdxParentLocator.Parse(bytes, 0));
    }

    [Theory]
    [InlineData(1UL << 30, 32u << 20, 512u, false, 128L, 32L, 32L)] // Hyper-V's defaults: 32 MiB blocks, chunk ratio 128
    [InlineData(1UL << 30, 32u << 20, 512u, true, 128L, 32L, 129L)] // differencing: a whole chunk and its bitmap entry
    [InlineData(10UL << 30, 1u << 20, 512u, false, 4096L, 10240L, 10242L)] // two bitmap slots interleaved, the last omitted
    [InlineData(1UL << 30, 1u << 20, 4096u, true, 32768L, 1024L, 32769L)]
    public void Bat_geometry_follows_the_specs_formulas(ulong size, uint block, uint logical, bool parent, long chunkRatio, long dataBlocks, long entries)
    {
        var geometry = new VhdxBatGeometry(size, block, logical, parent);
        Assert.Equal((chunkRatio, dataBlocks, entries), (geometry.ChunkRatio, geometry.DataBlockCount, geometry.TotalEntries));
        Assert.Equal(chunkRatio + 1, geometry.PayloadEntryIndex(chunkRatio));
        Assert.Equal(chunkRatio, geometry.BitmapEntryIndexFor(0));
        Assert.Equal((2 * chunkRatio) + 1, geometry.BitmapEntryIndexFor(chunkRatio));
    }
}
