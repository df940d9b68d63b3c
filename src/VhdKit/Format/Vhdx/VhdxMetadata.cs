using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;

namespace VhdKit.Format.Vhdx;

/// <summary>Reads the bytes of one metadata item: <paramref name="destination"/>.Length bytes at the absolute <paramref name="offset"/>.</summary>
public delegate void VhdxItemReader(long offset, Span<byte> destination);

/// <summary>
/// The values of the metadata region's known items, checked against each other, and the unknown optional items
/// (kept: a writer copies them).
/// </summary>
public sealed record VhdxMetadata
{
    /// <summary>The largest virtual disk size: 64 TiB.</summary>
    public const ulong MaxVirtualDiskSize = 64UL << 40;

    /// <summary>The file parameters item.</summary>
    public required VhdxFileParameters FileParameters { get; init; }

    /// <summary>The virtual disk's size in bytes.</summary>
    public required ulong VirtualDiskSize { get; init; }

    /// <summary>The virtual disk's id.</summary>
    public required Guid VirtualDiskId { get; init; }

    /// <summary>The logical sector size: 512 or 4096.</summary>
    public required uint LogicalSectorSize { get; init; }

    /// <summary>The physical sector size: 512 or 4096.</summary>
    public required uint PhysicalSectorSize { get; init; }

    /// <summary>The parent locator (differencing disks), or null.</summary>
    public VhdxParentLocator? ParentLocator { get; init; }

    /// <summary>The table the values came from, every entry (known and unknown) included.</summary>
    public required VhdxMetadataTable Table { get; init; }

    /// <summary>The entries of items VhdKit does not know (none of them required).</summary>
    public ImmutableArray<VhdxMetadataEntry> UnknownItems { get; init; } = [];

    /// <summary>
    /// Reads every known item the <paramref name="table"/> names and checks them: all five system items present, block
    /// size a power of two from 1 to 256 MiB, sector sizes 512 or 4096, the virtual size a multiple of the logical
    /// sector size up to 64 TiB, a parent locator exactly when HasParent; an unknown required item refuses the file.
    /// </summary>
    /// <param name="table">The metadata table.</param>
    /// <param name="regionOffset">The metadata region's absolute offset.</param>
    /// <param name="read">Reads item bytes at an absolute offset.</param>
    /// <exception cref="VhdxFormatException">An item is missing, malformed or out of range, or an unknown item is required.</exception>
    public static VhdxMetadata Parse(VhdxMetadataTable table, long regionOffset, VhdxItemReader read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var unknown = ImmutableArray.CreateBuilder<VhdxMetadataEntry>();
        foreach (VhdxMetadataEntry entry in table.Entries)
        {
            if (VhdxGuids.NameOf(entry.ItemId) is not null && !entry.IsUser)
            {
                continue;
            }

            if (entry.IsRequired)
            {
                throw new VhdxFormatException(
                    $"VHDX metadata item {entry.ItemId} at offset 0x{regionOffset + entry.Offset:X} is marked required and unknown to VhdKit; expected only the items MS-VHDX defines to be required. The file is refused, as the format requires.");
            }

            unknown.Add(entry);
        }

        Span<byte> small = stackalloc byte[16];
        var parameters = VhdxFileParameters.Parse(Item(table, VhdxGuids.FileParameters, VhdxFileParameters.Size, regionOffset, read, small));
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(Item(table, VhdxGuids.VirtualDiskSize, 8, regionOffset, read, small));
        var id = new Guid(Item(table, VhdxGuids.VirtualDiskId, 16, regionOffset, read, small));
        uint logical = BinaryPrimitives.ReadUInt32LittleEndian(Item(table, VhdxGuids.LogicalSectorSize, 4, regionOffset, read, small));
        uint physical = BinaryPrimitives.ReadUInt32LittleEndian(Item(table, VhdxGuids.PhysicalSectorSize, 4, regionOffset, read, small));
        VhdxParentLocator? locator = null;
        if (table.Find(VhdxGuids.ParentLocator) is { } locatorEntry)
        {
            byte[] bytes = new byte[locatorEntry.Length]; // at most 1 MiB: the table's parse checked it
            read(regionOffset + locatorEntry.Offset, bytes);
            locator = VhdxParentLocator.Parse(bytes, regionOffset + locatorEntry.Offset);
        }

        var metadata = new VhdxMetadata
        {
            FileParameters = parameters,
            VirtualDiskSize = size,
            VirtualDiskId = id,
            LogicalSectorSize = logical,
            PhysicalSectorSize = physical,
            ParentLocator = locator,
            Table = table,
            UnknownItems = unknown.ToImmutable(),
        };
        metadata.Validate(regionOffset);
        return metadata;
    }

    private void Validate(long regionOffset)
    {
        const string Structure = "VHDX metadata";
        long OffsetOf(Guid id) => regionOffset + (Table.Find(id)?.Offset ?? 0);
        uint block = FileParameters.BlockSize;
        if (block < VhdxFileParameters.MinBlockSize || block > VhdxFileParameters.MaxBlockSize || !VhdxFields.IsPowerOfTwo(block))
        {
            throw FormatErrors.VhdxField(Structure, "FileParameters.BlockSize", OffsetOf(VhdxGuids.FileParameters), "a power of two from 1 MiB to 256 MiB", FormatErrors.Hex(block));
        }

        foreach ((Guid item, string name, uint value) in (ReadOnlySpan<(Guid, string, uint)>)[
            (VhdxGuids.LogicalSectorSize, "LogicalSectorSize", LogicalSectorSize),
            (VhdxGuids.PhysicalSectorSize, "PhysicalSectorSize", PhysicalSectorSize)])
        {
            if (value is not (512 or 4096))
            {
                throw FormatErrors.VhdxField(Structure, name, OffsetOf(item), "512 or 4096", value.ToString(CultureInfo.InvariantCulture));
            }
        }

        if (VirtualDiskSize == 0 || VirtualDiskSize > MaxVirtualDiskSize || VirtualDiskSize % LogicalSectorSize != 0)
        {
            throw FormatErrors.VhdxField(Structure, "VirtualDiskSize", OffsetOf(VhdxGuids.VirtualDiskSize),
                $"a non-zero multiple of the logical sector size ({LogicalSectorSize}) up to 64 TiB", VirtualDiskSize.ToString(CultureInfo.InvariantCulture));
        }

        if (FileParameters.HasParent != ParentLocator.HasValue)
        {
            throw FormatErrors.VhdxField(Structure, "FileParameters.HasParent", OffsetOf(VhdxGuids.FileParameters),
                FileParameters.HasParent ? "a parent locator item, as HasParent is set" : "no parent locator item, as HasParent is clear",
                ParentLocator.HasValue ? "a parent locator" : "none");
        }

        if (ParentLocator is { } locator && locator.LocatorType != VhdxGuids.VhdxParentLocatorType)
        {
            throw FormatErrors.VhdxField(Structure, "ParentLocator.LocatorType", OffsetOf(VhdxGuids.ParentLocator),
                $"{VhdxGuids.VhdxParentLocatorType} (a VHDX parent)", locator.LocatorType.ToString());
        }
    }

    private static ReadOnlySpan<byte> Item(VhdxMetadataTable table, Guid id, int length, long regionOffset, VhdxItemReader read, Span<byte> buffer)
    {
        if (table.Find(id) is not { } entry)
        {
            throw new VhdxFormatException($"VHDX metadata table at offset 0x{regionOffset:X}: expected a {VhdxGuids.NameOf(id)} item ({id}), was none.");
        }

        if (entry.Length < length)
        {
            throw FormatErrors.VhdxField("VHDX metadata table", $"{VhdxGuids.NameOf(id)} Length", regionOffset, $"at least {length} bytes", entry.Length.ToString(CultureInfo.InvariantCulture));
        }

        Span<byte> target = buffer[..length];
        read(regionOffset + entry.Offset, target);
        return target;
    }
}
