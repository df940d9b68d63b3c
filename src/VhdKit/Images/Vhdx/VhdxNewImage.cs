using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using VhdKit.Format.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// What a new VHDX holds, and its canonical layout: the 1 MiB header section (identifier, two headers with sequence
/// numbers 0 and 1, two identical region tables), a 1 MiB log at 1 MiB (empty: LogGuid zero), the metadata region
/// at 2 MiB (table, then the items from 64 KiB), the BAT from 3 MiB, then the payload blocks (a fixed disk's, all
/// FULLY_PRESENT and in order; a dynamic or differencing disk has none yet: NOT_PRESENT, its file ends at the BAT).
/// </summary>
internal sealed record VhdxNewImage
{
    /// <summary>Hyper-V's block size for fixed and dynamic disks (New-VHD): 32 MiB.</summary>
    public const uint DefaultBlockSize = 32 * VhdxLayout.MiB;

    /// <summary>Hyper-V's block size for differencing disks (New-VHD -Differencing): 2 MiB.</summary>
    public const uint DefaultDifferencingBlockSize = 2 * VhdxLayout.MiB;

    /// <summary>Hyper-V's physical sector size: 4096.</summary>
    public const uint DefaultPhysicalSectorSize = 4096;

    private const long LogOffset = VhdxLayout.MiB;
    private const uint LogLength = VhdxLayout.MiB;
    private const long MetadataOffset = 2L * VhdxLayout.MiB;
    private const uint MetadataLength = VhdxLayout.MiB;
    /// <summary>Where the BAT region starts: 3 MiB.</summary>
    public const long BatOffset = 3L * VhdxLayout.MiB;

    public required ulong Size { get; init; }

    public required uint BlockSize { get; init; }

    public required uint LogicalSectorSize { get; init; }

    public required uint PhysicalSectorSize { get; init; }

    public required bool Fixed { get; init; }

    public required Guid VirtualDiskId { get; init; }

    public Guid FileWriteGuid { get; init; } = Guid.NewGuid();

    public Guid DataWriteGuid { get; init; } = Guid.NewGuid();

    /// <summary>The parent locator's key/value pairs (differencing disks), or null.</summary>
    public ImmutableArray<KeyValuePair<string, string>>? ParentLocator { get; init; }

    /// <summary>
    /// Metadata items VhdKit does not know, carried over from an image this one rewrites (the spec: unknown optional
    /// items are kept): each table entry (its offset is chosen anew) with the item's bytes. Written after the items
    /// VhdKit writes itself.
    /// </summary>
    public ImmutableArray<KeptMetadataItem> KeptItems { get; init; } = [];

    private VhdxBatGeometry Geometry => new(Size, BlockSize, LogicalSectorSize, ParentLocator is not null);

    private long BatLength => (Geometry.ByteLength + VhdxLayout.MiB - 1) / VhdxLayout.MiB * VhdxLayout.MiB;

    /// <summary>Where the first payload block goes: the end of the BAT region (1 MiB aligned).</summary>
    public long DataOffset => BatOffset + BatLength;

    /// <summary>The new file's length.</summary>
    public long FileLength => DataOffset + (Fixed ? Geometry.DataBlockCount * BlockSize : 0);

    /// <summary>Writes the image into an empty <paramref name="storage"/> (a temporary file the caller flushes and renames).</summary>
    /// <exception cref="IOException">A write failed.</exception>
    public void WriteTo(IPositionalStorage storage)
    {
        byte[] buffer = new byte[VhdxLayout.KiB64];
        string version = typeof(VhdxNewImage).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        new VhdxFileIdentifier { Creator = "VhdKit " + version.Split('+')[0] }.WriteTo(buffer);
        storage.Write(buffer.AsSpan(0, VhdxFileIdentifier.Size), VhdxLayout.FileIdentifierOffset);

        for (int i = 0; i < 2; i++)
        {
            new VhdxHeader
            {
                SequenceNumber = (ulong)i,
                FileWriteGuid = FileWriteGuid,
                DataWriteGuid = DataWriteGuid,
                Version = VhdxHeader.CurrentVersion,
                LogLength = LogLength,
                LogOffset = LogOffset,
            }.WriteTo(buffer);
            storage.Write(buffer.AsSpan(0, VhdxHeader.Size), i == 0 ? VhdxLayout.Header1Offset : VhdxLayout.Header2Offset);
        }

        new VhdxRegionTable
        {
            Entries =
            [
                new VhdxRegionEntry { Id = VhdxGuids.BatRegion, FileOffset = BatOffset, Length = (uint)BatLength, IsRequired = true },
                new VhdxRegionEntry { Id = VhdxGuids.MetadataRegion, FileOffset = MetadataOffset, Length = MetadataLength, IsRequired = true },
            ],
        }.WriteTo(buffer);
        storage.Write(buffer, VhdxLayout.RegionTable1Offset);
        storage.Write(buffer, VhdxLayout.RegionTable2Offset);

        WriteMetadata(storage);
        WriteBat(storage);
        storage.SetLength(FileLength);
    }

    private void WriteMetadata(IPositionalStorage storage)
    {
        byte[] items = new byte[VhdxLayout.KiB64];
        var entries = ImmutableArray.CreateBuilder<VhdxMetadataEntry>();
        int at = 0;
        void Add(Guid id, int length, bool virtualDisk)
        {
            entries.Add(new VhdxMetadataEntry { ItemId = id, Offset = (uint)(VhdxMetadataTable.Size + at), Length = (uint)length, IsRequired = true, IsVirtualDisk = virtualDisk });
            at += (length + 7) / 8 * 8;
        }

        new VhdxFileParameters { BlockSize = BlockSize, LeaveBlockAllocated = Fixed, HasParent = ParentLocator is not null }.WriteTo(items.AsSpan(at));
        Add(VhdxGuids.FileParameters, VhdxFileParameters.Size, false);
        BinaryPrimitives.WriteUInt64LittleEndian(items.AsSpan(at), Size);
        Add(VhdxGuids.VirtualDiskSize, 8, true);
        VirtualDiskId.TryWriteBytes(items.AsSpan(at));
        Add(VhdxGuids.VirtualDiskId, 16, true);
        BinaryPrimitives.WriteUInt32LittleEndian(items.AsSpan(at), LogicalSectorSize);
        Add(VhdxGuids.LogicalSectorSize, 4, true);
        BinaryPrimitives.WriteUInt32LittleEndian(items.AsSpan(at), PhysicalSectorSize);
        Add(VhdxGuids.PhysicalSectorSize, 4, true);
        if (ParentLocator is { } pairs)
        {
            var locator = new VhdxParentLocator { LocatorType = VhdxGuids.VhdxParentLocatorType, Entries = pairs };
            if (at + locator.Length > items.Length)
            {
                throw new ArgumentException($"The parent locator ({locator.Length} bytes) does not fit the {items.Length - at} bytes VhdKit gives it; the parent's path is too long.");
            }

            locator.WriteTo(items.AsSpan(at));
            Add(VhdxGuids.ParentLocator, locator.Length, false);
        }

        storage.Write(items.AsSpan(0, at), MetadataOffset + VhdxMetadataTable.Size);
        foreach (KeptMetadataItem kept in KeptItems)
        {
            if (VhdxMetadataTable.Size + at + kept.Data.Length > MetadataLength)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"The metadata item {kept.Entry.ItemId} ({kept.Data.Length} bytes) does not fit the {MetadataLength - VhdxMetadataTable.Size - at} bytes left in the {MetadataLength}-byte metadata region VhdKit writes."));
            }

            storage.Write(kept.Data, MetadataOffset + VhdxMetadataTable.Size + at);
            entries.Add(kept.Entry with { Offset = (uint)(VhdxMetadataTable.Size + at), Length = (uint)kept.Data.Length });
            at += (kept.Data.Length + 7) / 8 * 8;
        }

        byte[] table = new byte[VhdxMetadataTable.Size];
        new VhdxMetadataTable { Entries = entries.ToImmutable() }.WriteTo(table);
        storage.Write(table, MetadataOffset);
    }

    private void WriteBat(IPositionalStorage storage)
    {
        VhdxBatGeometry geometry = Geometry;
        if (!Fixed)
        {
            return; // every entry NOT_PRESENT (zero): the region is sparse zeros already
        }

        const int EntriesPerChunk = VhdxLayout.MiB / VhdxBatEntry.Size;
        byte[] chunk = new byte[VhdxLayout.MiB];
        for (long first = 0; first < geometry.TotalEntries; first += EntriesPerChunk)
        {
            int count = (int)Math.Min(EntriesPerChunk, geometry.TotalEntries - first);
            Array.Clear(chunk);
            for (int i = 0; i < count; i++)
            {
                long index = first + i;
                if ((index + 1) % (geometry.ChunkRatio + 1) == 0)
                {
                    continue; // a sector bitmap entry: NOT_PRESENT in a disk without a parent
                }

                long block = index - (index / (geometry.ChunkRatio + 1));
                ulong offset = (ulong)(DataOffset + (block * BlockSize));
                BinaryPrimitives.WriteUInt64LittleEndian(chunk.AsSpan(i * VhdxBatEntry.Size), VhdxBatEntry.Create(VhdxBlockState.FullyPresent, offset).Raw);
            }

            storage.Write(chunk.AsSpan(0, count * VhdxBatEntry.Size), BatOffset + (first * VhdxBatEntry.Size));
        }
    }
}

/// <summary>A metadata item a rewrite carries over unread: its table entry and its bytes.</summary>
/// <param name="Entry">The entry (flags and id; the offset and length are set anew).</param>
/// <param name="Data">The item's bytes.</param>
internal sealed record KeptMetadataItem(VhdxMetadataEntry Entry, byte[] Data);
