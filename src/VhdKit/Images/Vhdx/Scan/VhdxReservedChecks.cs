using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Format.Vhdx;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// What MS-VHDX says must be zero and readers ignore: the reserved bytes and bits of the current header, the region
/// table in effect (header and entries), the metadata table (header and entries), the file parameters' flags, the
/// parent locator header and the BAT entries; and the sector bitmap bits of sectors past the disk's end. Each is a
/// warning (<see cref="FaultCode.VhdxReservedNonZero"/>, <see cref="FaultCode.VhdxBitmapPastEnd"/>): readers, VhdKit's
/// included, ignore them, and VhdKit's writers keep them zero, but a file another tool made so did not follow the spec.
/// </summary>
internal static class VhdxReservedChecks
{
    private const uint MetadataFlagBits = 0x7;    // IsUser, IsVirtualDisk, IsRequired
    private const uint FileParameterFlagBits = 0x3; // LeaveBlockAllocated, HasParent
    private const uint LocatorReservedBits = 0xFFFF; // the 2-byte Reserved before KeyValueCount, read as the low half of a little-endian word
    private const int BitmapChunk = 64 * 1024;
    private const int RegionTableReserved = 12;   // the region table header's 4-byte Reserved, after EntryCount
    private const int RegionEntryFlags = 28;      // a region entry's Required bit and 31 reserved bits

    /// <summary>The current header's 4016 reserved bytes.</summary>
    public static void CheckHeader(VhdxScan scan, ReadOnlySpan<byte> header, long at)
    {
        int nonZero = header[VhdxHeaderLayout.Reserved..VhdxHeaderLayout.Size].IndexOfAnyExcept((byte)0);
        if (nonZero >= 0)
        {
            Report(scan, VhdxScan.HeaderStructure, "Reserved", at + VhdxHeaderLayout.Reserved + nonZero, "all 4016 bytes zero", $"byte {nonZero} is {FormatErrors.Hex(header[VhdxHeaderLayout.Reserved + nonZero])}");
        }
    }

    /// <summary>The region table's reserved field and each entry's reserved bits (31 bits beside Required).</summary>
    public static void CheckRegions(VhdxScan scan, long tableAt)
    {
        Span<byte> field = stackalloc byte[4];
        if (scan.TryRead(field, tableAt + RegionTableReserved) && BinaryPrimitives.ReadUInt32LittleEndian(field) is uint reserved and not 0)
        {
            Report(scan, VhdxScan.RegionStructure, "Reserved", tableAt + RegionTableReserved, "0", FormatErrors.Hex(reserved));
        }

        for (int i = 0; i < scan.Regions.Entries.Length; i++)
        {
            VhdxRegionEntry entry = scan.Regions.Entries[i];
            if (entry.ReservedBits != 0)
            {
                long at = tableAt + VhdxRegionTable.HeaderSize + (i * VhdxRegionEntry.Size) + RegionEntryFlags;
                Report(scan, VhdxScan.RegionStructure, string.Create(CultureInfo.InvariantCulture, $"entry {i} flags"), at, "bits 1-31 zero", FormatErrors.Hex(entry.ReservedBits));
            }
        }
    }

    /// <summary>The metadata table's reserved fields, each entry's reserved flag bits and Reserved2, the file parameters' flags and the parent locator's reserved field.</summary>
    public static void CheckMetadata(VhdxScan scan, long regionAt)
    {
        VhdxMetadata metadata = scan.Metadata!;
        Span<byte> bytes = stackalloc byte[VhdxMetadataTable.HeaderSize];
        if (!scan.TryRead(bytes, regionAt))
        {
            return;
        }

        int nonZero = bytes[8..10].IndexOfAnyExcept((byte)0) is >= 0 and int a ? 8 + a : bytes[12..].IndexOfAnyExcept((byte)0) is >= 0 and int b ? 12 + b : -1;
        if (nonZero >= 0)
        {
            Report(scan, VhdxScan.MetadataStructure, "table Reserved", regionAt + nonZero, "zero (bytes 8-9 and 12-31)", $"byte {nonZero} is {FormatErrors.Hex(bytes[nonZero])}");
        }

        for (int i = 0; i < metadata.Table.Entries.Length; i++)
        {
            long at = regionAt + VhdxMetadataTable.HeaderSize + (i * VhdxMetadataEntry.Size);
            Span<byte> entry = bytes[..VhdxMetadataEntry.Size];
            if (!scan.TryRead(entry, at))
            {
                return;
            }

            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(entry[24..]);
            uint reserved2 = BinaryPrimitives.ReadUInt32LittleEndian(entry[28..]);
            if ((flags & ~MetadataFlagBits) != 0 || reserved2 != 0)
            {
                Report(scan, VhdxScan.MetadataStructure, string.Create(CultureInfo.InvariantCulture, $"entry {i} flags/Reserved2"), at + 24,
                    "flag bits 3-31 and Reserved2 zero", $"flags {FormatErrors.Hex(flags)}, Reserved2 {FormatErrors.Hex(reserved2)}");
            }
        }

        CheckItemWord(scan, regionAt, VhdxGuids.FileParameters, 4, ~FileParameterFlagBits, "file parameters flags", "bits 2-31 zero");
        CheckItemWord(scan, regionAt, VhdxGuids.ParentLocator, 16, LocatorReservedBits, "parent locator Reserved", "0");
    }

    /// <summary>The BAT entries' 17 reserved bits (3-19): one fault naming the first entry and how many there are.</summary>
    public static void CheckBat(VhdxScan scan, ulong[] bat, long batAt)
    {
        long first = -1;
        long count = 0;
        for (long index = 0; index < bat.Length; index++)
        {
            if (new VhdxBatEntry(bat[index]).ReservedBits != 0)
            {
                first = first < 0 ? index : first;
                count++;
            }
        }

        if (count > 0)
        {
            Report(scan, VhdxScan.BatStructure, string.Create(CultureInfo.InvariantCulture, $"entry {first}"), batAt + (first * VhdxBatEntry.Size),
                "bits 3-19 zero", string.Create(CultureInfo.InvariantCulture, $"{FormatErrors.Hex(new VhdxBatEntry(bat[first]).ReservedBits)} ({count} entr{(count == 1 ? "y" : "ies")} so)"));
        }
    }

    /// <summary>
    /// In a differencing disk whose last chunk's sector bitmap is present, the bits of the sectors past the disk's end
    /// (which no reader consults) set.
    /// </summary>
    public static void CheckBitmapTail(VhdxScan scan, ulong[] bat, long batAt)
    {
        VhdxBatGeometry geometry = scan.Geometry;
        if (!scan.Metadata!.FileParameters.HasParent || geometry.DataBlockCount == 0)
        {
            return;
        }

        long lastBlock = geometry.DataBlockCount - 1;
        long index = geometry.BitmapEntryIndexFor(lastBlock);
        var entry = new VhdxBatEntry(bat[index]);
        if (entry.State != VhdxBlockState.FullyPresent)
        {
            return;
        }

        long sectors = (long)(scan.Metadata.VirtualDiskSize / scan.Metadata.LogicalSectorSize);
        long firstBit = sectors - ((lastBlock / geometry.ChunkRatio) * VhdxBatGeometry.SectorsPerBitmapBlock); // bits of the chunk's sectors past the end
        long start = (long)entry.FileOffset;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BitmapChunk);
        try
        {
            for (long byteAt = firstBit / 8; byteAt < VhdxLayout.MiB; byteAt += BitmapChunk)
            {
                Span<byte> chunk = buffer.AsSpan(0, (int)Math.Min(BitmapChunk, VhdxLayout.MiB - byteAt));
                if (!scan.TryRead(chunk, start + byteAt))
                {
                    return; // a bitmap past the end of the file is a BAT fault already
                }

                if (byteAt == firstBit / 8)
                {
                    chunk[0] &= (byte)(0xFF << (int)(firstBit % 8)); // the bits before firstBit are the disk's own sectors
                }

                int set = chunk.IndexOfAnyExcept((byte)0);
                if (set >= 0)
                {
                    long at = start + byteAt + set;
                    scan.Warning(FaultCode.VhdxBitmapPastEnd, VhdxScan.BatStructure, at, string.Create(CultureInfo.InvariantCulture,
                        $"The sector bitmap at offset 0x{start:X} (BAT entry {index} at 0x{batAt + (index * VhdxBatEntry.Size):X}) has bits set at byte 0x{at:X} for sectors past the disk's end ({sectors} sectors); expected them clear. Readers ignore them."));
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void CheckItemWord(VhdxScan scan, long regionAt, Guid item, int offset, uint reservedMask, string field, string expected)
    {
        if (scan.Metadata!.Table.Find(item) is not { } entry || entry.Length < offset + 4)
        {
            return;
        }

        Span<byte> word = stackalloc byte[4];
        long at = regionAt + entry.Offset + offset;
        if (!scan.TryRead(word, at))
        {
            return;
        }

        uint value = BinaryPrimitives.ReadUInt32LittleEndian(word);
        uint reserved = value & reservedMask;
        if (reserved != 0)
        {
            Report(scan, VhdxScan.MetadataStructure, field, at, expected, FormatErrors.Hex(reserved));
        }
    }

    private static void Report(VhdxScan scan, string structure, string field, long at, string expected, string actual) =>
        scan.Warning(FaultCode.VhdxReservedNonZero, structure, at,
            FormatErrors.FieldMessage(structure, field, at, expected, actual) + " MS-VHDX reserves it (must be zero; readers ignore it).");
}
