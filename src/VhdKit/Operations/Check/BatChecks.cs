using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using VhdKit.Format;

namespace VhdKit.Operations;

/// <summary>
/// The BAT entries that address the disk (each block inside the file, clear of the metadata and of every other
/// block), the last block's bitmap, and what lies between the last block and the end footer.
/// </summary>
internal static class BatChecks
{
    private const int ChunkEntries = 16 * 1024;

    public static void Check(ImageScan scan)
    {
        DynamicHeader header = scan.Header!.Value;
        long capacity = (long)scan.Footer.CurrentSize;
        int needed = (int)((capacity + header.BlockSize - 1) / header.BlockSize);
        int sectorsPerBlock = (int)(header.BlockSize / VhdConstants.SectorSize);
        int bitmapBytes = SectorBitmap.SizeInBytes(sectorsPerBlock);
        long blockBytes = bitmapBytes + (long)header.BlockSize;
        long limit = scan.DataLimit;

        // Bounded: needed <= VhdImage.MaxBatEntries and the table was checked to lie inside the file.
        var starts = new List<ulong>();
        long lastBlockStart = -1;
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkEntries * 4);
        try
        {
            for (int first = 0; first < needed; first += ChunkEntries)
            {
                int count = Math.Min(ChunkEntries, needed - first);
                if (!scan.TryRead(chunk.AsSpan(0, count * 4), (long)header.TableOffset + (first * 4L)))
                {
                    return;
                }

                for (int i = 0; i < count; i++)
                {
                    uint sector = BinaryPrimitives.ReadUInt32BigEndian(chunk.AsSpan(i * 4));
                    if (sector != BlockAllocationTable.Unallocated && CheckEntry(scan, header, first + i, sector, blockBytes, limit))
                    {
                        starts.Add(((ulong)sector << 32) | (uint)(first + i));
                        if (first + i == needed - 1)
                        {
                            lastBlockStart = (long)sector * VhdConstants.SectorSize;
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        long end = 0;
        foreach ((_, _, long regionEnd) in scan.Regions)
        {
            end = Math.Max(end, regionEnd);
        }

        starts.Sort();
        for (int i = 0; i < starts.Count; i++)
        {
            long start = (long)(starts[i] >> 32) * VhdConstants.SectorSize;
            end = Math.Max(end, start + blockBytes);
            if (i > 0)
            {
                long previous = (long)(starts[i - 1] >> 32) * VhdConstants.SectorSize;
                if (start < previous + blockBytes)
                {
                    int block = (int)(uint)starts[i];
                    Add(scan, header, FaultCode.BatEntriesOverlap, block, start,
                        string.Create(CultureInfo.InvariantCulture, $"a block of its own (block {(int)(uint)starts[i - 1]} is at 0x{previous:X})"));
                }
            }
        }

        scan.DataEnd = BlockAllocationTable.AlignUp(end, VhdConstants.SectorSize);
        CheckBitmapTail(scan, header, capacity, lastBlockStart, bitmapBytes);
        CheckTail(scan);
    }

    /// <summary>Checks one allocated entry; returns whether its block is sound (inside the file, clear of the metadata).</summary>
    private static bool CheckEntry(ImageScan scan, DynamicHeader header, int block, uint sector, long blockBytes, long limit)
    {
        long start = (long)sector * VhdConstants.SectorSize;
        long end = start + blockBytes;
        foreach ((string name, long regionStart, long regionEnd) in scan.Regions)
        {
            if (start < regionEnd && regionStart < end)
            {
                Add(scan, header, FaultCode.BatEntryInMetadata, block, start,
                    string.Create(CultureInfo.InvariantCulture, $"a block clear of the {name} (0x{regionStart:X}..0x{regionEnd:X})"));
                return false;
            }
        }

        if (end > limit)
        {
            bool outside = start >= limit;
            if (outside)
            {
                scan.BlocksOutsideFile.Add(block);
            }

            Add(scan, header, FaultCode.BatEntryPastEnd, block, start,
                string.Create(CultureInfo.InvariantCulture, $"a block ({blockBytes} bytes with its bitmap) inside the file, before 0x{limit:X}"), outside);
            return false;
        }

        return true;
    }

    private static void Add(ImageScan scan, DynamicHeader header, FaultCode code, int block, long start, string expected, bool repairable = false)
    {
        long offset = (long)header.TableOffset + (block * 4L);
        string field = string.Create(CultureInfo.InvariantCulture, $"entry {block}");
        scan.Faults.Add(code, FaultSeverity.Error, ImageScan.BatStructure, offset,
            FormatErrors.FieldMessage(ImageScan.BatStructure, field, offset, expected,
                string.Create(CultureInfo.InvariantCulture, $"sector {start / VhdConstants.SectorSize} (offset 0x{start:X})")),
            repairable);
    }

    /// <summary>Only the last block can hold sectors past the disk's size; their bits must be clear.</summary>
    private static void CheckBitmapTail(ImageScan scan, DynamicHeader header, long capacity, long blockStart, int bitmapBytes)
    {
        int usedSectors = (int)(capacity % header.BlockSize / VhdConstants.SectorSize);
        if (blockStart < 0 || usedSectors == 0)
        {
            return;
        }

        int sectorsPerBlock = (int)(header.BlockSize / VhdConstants.SectorSize);
        byte[] bitmap = ArrayPool<byte>.Shared.Rent(bitmapBytes);
        try
        {
            if (!scan.TryRead(bitmap.AsSpan(0, bitmapBytes), blockStart))
            {
                return;
            }

            ReadOnlySpan<byte> bits = bitmap.AsSpan(0, bitmapBytes);
            int sector = usedSectors;
            while (sector < sectorsPerBlock)
            {
                int run = SectorBitmap.CountRun(bits, sector, sectorsPerBlock - sector);
                if (SectorBitmap.IsSet(bits, sector))
                {
                    int block = (int)((capacity - 1) / header.BlockSize);
                    string structure = string.Create(CultureInfo.InvariantCulture, $"Sector bitmap of block {block}");
                    scan.Faults.Add(FaultCode.BitmapBitsPastCapacity, FaultSeverity.Warning, structure, blockStart + (sector / 8),
                        string.Create(CultureInfo.InvariantCulture,
                            $"{structure} at offset 0x{blockStart:X}: expected the bits of sectors {usedSectors}..{sectorsPerBlock - 1} (past the disk's end) clear, was sector {sector} set."));
                    return;
                }

                sector += run;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bitmap);
        }
    }

    /// <summary>Bytes between the last structure or block and the end footer's place are an orphan tail.</summary>
    private static void CheckTail(ImageScan scan)
    {
        long footerAt = scan.EndIntact ? scan.EndFooterOffset : scan.Length - VhdFooter.Size;
        if (footerAt > scan.DataEnd)
        {
            scan.OrphanTailFault = scan.Faults.Add(FaultCode.OrphanTail, FaultSeverity.Warning, ImageScan.FooterStructure, scan.DataEnd,
                string.Create(CultureInfo.InvariantCulture,
                    $"{footerAt - scan.DataEnd} bytes at offset 0x{scan.DataEnd:X} lie between the last structure or block and the end footer (an interrupted allocation leaves them); no BAT entry names them."));
        }
    }
}
