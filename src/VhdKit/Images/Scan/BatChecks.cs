using System.Buffers.Binary;
using System.Buffers;
using System.Globalization;
using VhdKit.Format;

namespace VhdKit.Images;

/// <summary>
/// The BAT entries that address the disk (each block inside the file, clear of the metadata and of every other
/// block), and what lies between the last block and the end footer.
/// </summary>
/// <remarks>
/// Not a fault: bitmap bits of the last block past the disk's end (qemu sets them all; the spec does not ask
/// for them clear and every reader ignores them), and a zero gap shorter than 4 KiB before the end footer (Windows
/// aligns the footer of sparse dynamic disks so).
/// </remarks>
internal static class BatChecks
{
    private const int ChunkEntries = 16 * 1024;

    /// <summary>A zero gap before the end footer shorter than this is alignment, not an orphan tail (Windows aligns to 4 KiB).</summary>
    private const int AlignmentGap = VhdConstants.DataAlignment;

    public static void Check(ImageScan scan)
    {
        DynamicHeader header = scan.Header!.Value;
        long capacity = (long)scan.Footer.CurrentSize;
        int needed = (int)((capacity + header.BlockSize - 1) / header.BlockSize);
        int sectorsPerBlock = (int)(header.BlockSize / VhdConstants.SectorSize);
        long blockBytes = SectorBitmap.SizeInBytes(sectorsPerBlock) + (long)header.BlockSize;
        long limit = scan.DataLimit;

        // Bounded: needed <= VhdImage.MaxBatEntries and the table was checked to lie inside the file.
        var bat = new BlockAllocationTable(needed);
        var starts = new List<ulong>();
        long namedEnd = 0;
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
                    bat[first + i] = sector;
                    if (sector == BlockAllocationTable.Unallocated)
                    {
                        continue;
                    }

                    long start = (long)sector * VhdConstants.SectorSize;
                    if (CheckEntry(scan, header, first + i, start, blockBytes, limit))
                    {
                        starts.Add(((ulong)sector << 32) | (uint)(first + i));
                    }

                    if (start < limit)
                    {
                        namedEnd = Math.Max(namedEnd, start + blockBytes);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        long end = scan.MetadataEnd;
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

        scan.Bat = bat;
        scan.DataEnd = BlockAllocationTable.AlignUp(end, VhdConstants.SectorSize);
        scan.NamedEnd = BlockAllocationTable.AlignUp(Math.Max(end, namedEnd), VhdConstants.SectorSize);
        CheckTail(scan);
    }

    /// <summary>Checks one allocated entry; returns whether its block is sound (inside the file, clear of the metadata).</summary>
    private static bool CheckEntry(ImageScan scan, DynamicHeader header, int block, long start, long blockBytes, long limit)
    {
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

    /// <summary>
    /// Bytes between the last structure or block and the end footer's place are an orphan tail, unless they are
    /// a zero gap shorter than <see cref="AlignmentGap"/> bytes.
    /// </summary>
    private static void CheckTail(ImageScan scan)
    {
        // Bytes a BAT entry names (even a block that runs past the end) are never an orphan.
        long start = scan.NamedEnd;
        long footerAt = scan.EndIntact ? scan.EndFooterOffset : scan.Length - VhdFooter.Size;
        long gap = footerAt - start;
        if (gap <= 0 || (gap < AlignmentGap && IsZero(scan, start, (int)gap)))
        {
            return;
        }

        scan.OrphanTailFault = scan.Faults.Add(FaultCode.OrphanTail, FaultSeverity.Warning, ImageScan.FooterStructure, start,
            string.Create(CultureInfo.InvariantCulture,
                $"{gap} bytes at offset 0x{start:X} lie between the last structure or block and the end footer (an interrupted allocation leaves them); no BAT entry names them."));
    }

    private static bool IsZero(ImageScan scan, long offset, int length)
    {
        Span<byte> bytes = stackalloc byte[AlignmentGap];
        return scan.TryRead(bytes[..length], offset) && !bytes[..length].ContainsAnyExcept((byte)0);
    }
}
