using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// The BAT: every entry's state allowed where it is (payload or sector bitmap, differencing or not), every present
/// block at or after 1 MiB, inside the file, clear of the log and the regions, and not overlapping another block;
/// a partially present block's sector bitmap present.
/// </summary>
internal static class VhdxBatChecks
{
    private const int ChunkEntries = 64 * 1024;

    public static void Check(VhdxScan scan)
    {
        VhdxMetadata metadata = scan.Metadata!;
        VhdxBatGeometry geometry = scan.Geometry;
        VhdxRegionEntry region = scan.Regions.Find(VhdxGuids.BatRegion)!.Value;
        long batAt = (long)region.FileOffset;
        if (geometry.TotalEntries > VhdxImage.MaxBatEntries)
        {
            scan.Error(FaultCode.VhdxMetadataItem, VhdxScan.MetadataStructure, batAt, string.Create(CultureInfo.InvariantCulture,
                $"{VhdxScan.BatStructure} at offset 0x{batAt:X}: expected at most {VhdxImage.MaxBatEntries} entries, was {geometry.TotalEntries} ({metadata.VirtualDiskSize} bytes in {metadata.FileParameters.BlockSize}-byte blocks); VhdKit reads BATs up to {VhdxImage.MaxBatEntries * 8L} bytes."));
            return;
        }

        if (geometry.ByteLength > region.Length)
        {
            long at = RegionEntryOffset(scan, VhdxGuids.BatRegion) + 24;
            scan.Error(FaultCode.VhdxRegionEntry, VhdxScan.RegionStructure, at, FormatErrors.FieldMessage(VhdxScan.RegionStructure, "BAT Length", at,
                string.Create(CultureInfo.InvariantCulture, $"at least {geometry.ByteLength} bytes ({geometry.TotalEntries} entries)"), region.Length.ToString(CultureInfo.InvariantCulture)));
            return;
        }

        ulong[] bat = Read(scan, batAt, geometry.TotalEntries);
        scan.Bat = bat;
        var placed = new Placed(bat.Length);
        CheckPayload(scan, bat, batAt, placed);
        if (!scan.Stopped)
        {
            CheckBitmaps(scan, bat, batAt, placed);
        }

        if (!scan.Stopped)
        {
            CheckOverlaps(scan, batAt, placed);
        }
    }

    private static void CheckPayload(VhdxScan scan, ulong[] bat, long batAt, Placed placed)
    {
        VhdxBatGeometry geometry = scan.Geometry;
        bool hasParent = scan.Metadata!.FileParameters.HasParent;
        long capacity = (long)scan.Metadata.VirtualDiskSize;
        for (long block = 0; block < geometry.DataBlockCount && !scan.Stopped; block++)
        {
            long index = geometry.PayloadEntryIndex(block);
            var entry = new VhdxBatEntry(bat[index]);
            long at = batAt + (index * VhdxBatEntry.Size);
            string field = string.Create(CultureInfo.InvariantCulture, $"entry {index} (block {block})");
            if (!entry.HasKnownState || (entry.State == VhdxBlockState.PartiallyPresent && !hasParent))
            {
                scan.Error(FaultCode.VhdxBatState, VhdxScan.BatStructure, at, FormatErrors.FieldMessage(VhdxScan.BatStructure, field, at,
                    hasParent ? "a payload state 0-3, 6 or 7" : "a payload state 0-3 or 6 (7 only in a differencing disk)", ((int)entry.State).ToString(CultureInfo.InvariantCulture)));
                continue;
            }

            if (entry.State is not (VhdxBlockState.FullyPresent or VhdxBlockState.PartiallyPresent))
            {
                continue;
            }

            // The last block of a disk whose size is not a multiple of the block size needs only its used part in the file.
            long length = Math.Min(geometry.BlockSize, AlignUp(capacity - (block * geometry.BlockSize), VhdxLayout.MiB));
            if (Place(scan, entry, index, at, field, length, payload: true))
            {
                placed.Add(entry.FileOffset, length, index);
            }

            if (entry.State == VhdxBlockState.PartiallyPresent)
            {
                long bitmapIndex = geometry.BitmapEntryIndexFor(block);
                var bitmap = new VhdxBatEntry(bat[bitmapIndex]);
                if (bitmap.State != VhdxBlockState.FullyPresent)
                {
                    long bitmapAt = batAt + (bitmapIndex * VhdxBatEntry.Size);
                    scan.Error(FaultCode.VhdxBatState, VhdxScan.BatStructure, bitmapAt, FormatErrors.FieldMessage(VhdxScan.BatStructure,
                        string.Create(CultureInfo.InvariantCulture, $"entry {bitmapIndex} (sector bitmap of block {block})"), bitmapAt,
                        string.Create(CultureInfo.InvariantCulture, $"state 6 (present), as block {block} is partially present"), ((int)bitmap.State).ToString(CultureInfo.InvariantCulture)));
                }
            }
        }
    }

    private static void CheckBitmaps(VhdxScan scan, ulong[] bat, long batAt, Placed placed)
    {
        long ratio = scan.Geometry.ChunkRatio;
        for (long index = ratio; index < bat.Length && !scan.Stopped; index += ratio + 1)
        {
            var entry = new VhdxBatEntry(bat[index]);
            long at = batAt + (index * VhdxBatEntry.Size);
            string field = string.Create(CultureInfo.InvariantCulture, $"entry {index} (sector bitmap)");
            if (entry.State is not (VhdxBlockState.NotPresent or VhdxBlockState.FullyPresent))
            {
                scan.Error(FaultCode.VhdxBatState, VhdxScan.BatStructure, at, FormatErrors.FieldMessage(VhdxScan.BatStructure, field, at,
                    "a sector bitmap state 0 or 6", ((int)entry.State).ToString(CultureInfo.InvariantCulture)));
                continue;
            }

            if (entry.State == VhdxBlockState.FullyPresent && Place(scan, entry, index, at, field, VhdxLayout.MiB, payload: false))
            {
                placed.Add(entry.FileOffset, VhdxLayout.MiB, index);
            }
        }
    }

    /// <summary>
    /// Checks where one present block lies; returns whether it is sound (inside the file, clear of the metadata). A
    /// payload block wholly outside the file is repairable (its entry cleared: nothing of it is there to lose); a
    /// sector bitmap block is not (its chunk's partially present blocks would lose their bitmap).
    /// </summary>
    private static bool Place(VhdxScan scan, VhdxBatEntry entry, long index, long at, string field, long length, bool payload)
    {
        ulong offset = entry.FileOffset;
        string actual = string.Create(CultureInfo.InvariantCulture, $"offset {FormatErrors.Hex(offset)} ({length} bytes)");
        if (offset < VhdxLayout.HeaderSectionSize)
        {
            scan.Error(FaultCode.BatEntryInMetadata, VhdxScan.BatStructure, at,
                FormatErrors.FieldMessage(VhdxScan.BatStructure, field, at, "a block at or after 1 MiB, clear of the header section", actual));
            return false;
        }

        long limit = scan.View.Length;
        if (offset >= (ulong)limit)
        {
            if (payload)
            {
                scan.EntriesOutsideFile.Add(index);
            }

            scan.Error(FaultCode.BatEntryPastEnd, VhdxScan.BatStructure, at,
                FormatErrors.FieldMessage(VhdxScan.BatStructure, field, at, string.Create(CultureInfo.InvariantCulture, $"a block inside the file ({limit} bytes)"), actual + ", wholly outside the file"),
                repairable: payload);
            return false;
        }

        long start = (long)offset;
        VhdxHeader header = scan.Header;
        if (start < (long)(header.LogOffset + header.LogLength) && (long)header.LogOffset < start + length)
        {
            scan.Error(FaultCode.BatEntryInMetadata, VhdxScan.BatStructure, at, FormatErrors.FieldMessage(VhdxScan.BatStructure, field, at,
                $"a block clear of the log (offset {FormatErrors.Hex(header.LogOffset)}, {FormatErrors.Hex(header.LogLength)} bytes)", actual));
            return false;
        }

        foreach (VhdxRegionEntry region in scan.Regions.Entries)
        {
            if (start < (long)(region.FileOffset + region.Length) && (long)region.FileOffset < start + length)
            {
                scan.Error(FaultCode.BatEntryInMetadata, VhdxScan.BatStructure, at, FormatErrors.FieldMessage(VhdxScan.BatStructure, field, at,
                    $"a block clear of the {VhdxGuids.NameOf(region.Id) ?? region.Id.ToString()} region (offset {FormatErrors.Hex(region.FileOffset)}, {FormatErrors.Hex(region.Length)} bytes)", actual));
                return false;
            }
        }

        if (start + length > limit)
        {
            scan.Error(FaultCode.BatEntryPastEnd, VhdxScan.BatStructure, at, FormatErrors.FieldMessage(VhdxScan.BatStructure, field, at,
                string.Create(CultureInfo.InvariantCulture, $"a block inside the file ({limit} bytes)"), actual + ", running past the end"));
            return false;
        }

        return true;
    }

    private static void CheckOverlaps(VhdxScan scan, long batAt, Placed placed)
    {
        placed.Sort();
        for (int i = 1; i < placed.Count && !scan.Stopped; i++)
        {
            (long previousStart, long previousLength, long previousIndex) = placed[i - 1];
            (long start, long length, long index) = placed[i];
            if (start < previousStart + previousLength)
            {
                long at = batAt + (index * VhdxBatEntry.Size);
                scan.Error(FaultCode.BatEntriesOverlap, VhdxScan.BatStructure, at, FormatErrors.FieldMessage(VhdxScan.BatStructure,
                    string.Create(CultureInfo.InvariantCulture, $"entry {index}"), at,
                    string.Create(CultureInfo.InvariantCulture, $"a block of its own (entry {previousIndex}'s block is at 0x{previousStart:X}, {previousLength} bytes)"),
                    string.Create(CultureInfo.InvariantCulture, $"offset 0x{start:X} ({length} bytes)")));
            }
        }
    }

    private static ulong[] Read(VhdxScan scan, long batAt, long count)
    {
        var bat = new ulong[count]; // bounded: at most MaxBatEntries, inside a region checked to lie inside the file
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkEntries * VhdxBatEntry.Size);
        try
        {
            for (long first = 0; first < count; first += ChunkEntries)
            {
                int entries = (int)Math.Min(ChunkEntries, count - first);
                Span<byte> bytes = chunk.AsSpan(0, entries * VhdxBatEntry.Size);
                scan.View.ReadExactly(bytes, batAt + (first * VhdxBatEntry.Size), VhdxScan.BatStructure);
                for (int i = 0; i < entries; i++)
                {
                    bat[first + i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * VhdxBatEntry.Size)..]);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return bat;
    }

    private static long RegionEntryOffset(VhdxScan scan, Guid id)
    {
        long tableAt = scan.RegionCopy == 1 ? VhdxLayout.RegionTable1Offset : VhdxLayout.RegionTable2Offset;
        int i = scan.Regions.Entries.IndexOf(scan.Regions.Find(id)!.Value);
        return tableAt + VhdxRegionTable.HeaderSize + (i * VhdxRegionEntry.Size);
    }

    private static long AlignUp(long value, long unit) => (value + unit - 1) / unit * unit;

    /// <summary>The sound present blocks (start, length, BAT index), sorted by start for the overlap check.</summary>
    private sealed class Placed(int capacity)
    {
        private readonly List<(long Start, long Length, long Index)> _blocks = new(Math.Min(capacity, 1024));

        public int Count => _blocks.Count;

        public (long Start, long Length, long Index) this[int i] => _blocks[i];

        private bool _sorted = true;

        public void Add(ulong start, long length, long index)
        {
            _sorted &= _blocks.Count == 0 || _blocks[^1].Start <= (long)start;
            _blocks.Add(((long)start, length, index));
        }

        /// <summary>Sorts by start (a fixed disk's blocks, written in order, are sorted already).</summary>
        public void Sort()
        {
            if (!_sorted)
            {
                _blocks.Sort(static (a, b) => a.Start.CompareTo(b.Start));
                _sorted = true;
            }
        }
    }
}
