using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// Changes the virtual size of a fixed or dynamic VHDX in place, through <see cref="VhdxEditor"/>, in an order that
/// leaves every crash state a valid file of the old size with the old content or of the new size with the content
/// kept (truncated, or zero-extended).
/// </summary>
/// <remarks>
/// The order:
/// <list type="number">
/// <item>The editor opens the file (a pending log replayed into it, LogGuid cleared); a region table copy that
/// differs from the one in effect (a move a crash interrupted) is rewritten from it; the header gets a new
/// DataWriteGuid: a child made on this file elsewhere learns that its parent changed.</item>
/// <item>Grow: the bytes of the old last block past the old size are zeroed (the file extended to the whole
/// block if it ended inside it): nobody reads them at the old size. A fixed disk's new blocks are placed past
/// everything the metadata names, sparse, reading zeros (stale bytes there zeroed first).</item>
/// <item>Grow past the BAT region's capacity: the new BAT (the old entries, then the new ones) is written past
/// everything named and fsync'd; then region table copy 1 names it (fsync'd), then copy 2 (fsync'd). A torn copy
/// fails its CRC-32C and readers use the other, which names a BAT that is whole either way; the entries past the
/// old size's count are not read at the old size.</item>
/// <item>The BAT sectors holding new or freed entries and the metadata sector holding the virtual disk size, through
/// the log (<see cref="VhdxEditor.WriteMetadata"/>: data fsync'd, entry fsync'd, applied, fsync'd). Grow: the BAT
/// sectors first, the size last (entries past the old count are not read before the size names them). Shrink: the
/// size first, then the freed entries cleared (entries past the new count are not read). Each entry leaves a valid
/// file.</item>
/// <item>The LogGuid is cleared; then, shrinking, the file is cut where nothing past is named (never while a log
/// entry naming the longer file is live) and fsync'd.</item>
/// </list>
/// The old BAT region left behind by a move is named by nothing (a hole of at most its length).
/// </remarks>
internal static class VhdxResize
{
    private const int EntriesPerSector = VhdxLayout.LogSectorSize / VhdxBatEntry.Size;

    /// <summary>
    /// The BAT entries a disk of these parameters needs, refused when VhdKit could not open the result.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The BAT would hold more than <see cref="VhdxImage.MaxBatEntries"/> entries.</exception>
    public static VhdxBatGeometry GeometryFor(VhdxImage image, long newSize)
    {
        var geometry = new VhdxBatGeometry((ulong)newSize, (uint)image.BlockSize, (uint)image.LogicalSectorSize, image.Metadata.FileParameters.HasParent);
        if (geometry.TotalEntries > VhdxImage.MaxBatEntries)
        {
            throw new ArgumentOutOfRangeException(null, string.Create(CultureInfo.InvariantCulture,
                $"{image.Path}: {newSize} bytes in {image.BlockSize}-byte blocks need a BAT of {geometry.TotalEntries} entries; VhdKit reads at most {VhdxImage.MaxBatEntries}. Convert to a larger block size first."));
        }

        return geometry;
    }

    /// <summary>
    /// The first virtual byte at or past <paramref name="newSize"/> that the image stores and that is not zero, or
    /// -1 when everything it stores there reads zeros (shrinking loses nothing).
    /// </summary>
    /// <exception cref="IOException">A read failed.</exception>
    public static long FirstDataPast(VhdxImage image, long newSize, CancellationToken cancellationToken)
    {
        const int Chunk = VhdxLayout.MiB;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            for (long block = newSize / image.BlockSize; block < image.Geometry.DataBlockCount; block++)
            {
                if (image.PayloadEntry(block).State is not (VhdxBlockState.FullyPresent or VhdxBlockState.PartiallyPresent))
                {
                    continue;
                }

                long end = Math.Min(image.Capacity, (block + 1) * image.BlockSize);
                for (long at = Math.Max(newSize, block * image.BlockSize); at < end; at += Chunk)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Span<byte> part = buffer.AsSpan(0, (int)Math.Min(Chunk, end - at));
                    image.ReadOwn(part, at);
                    int nonZero = part.IndexOfAnyExcept((byte)0);
                    if (nonZero >= 0)
                    {
                        return at + nonZero;
                    }
                }
            }

            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Resizes the fixed or dynamic VHDX in <paramref name="file"/> (writable, held alone) to <paramref name="newSize"/>
    /// bytes; the caller has checked the size, the disk type, the children, and (shrinking) that nothing stored past
    /// the new end is lost.
    /// </summary>
    /// <exception cref="IOException">A write or flush failed; the file holds the old size or the new one.</exception>
    public static void Run(IPositionalStorage file, long newSize)
    {
        VhdxEditor editor = VhdxEditor.Open(file);
        MatchRegionTableCopies(file, editor);
        bool shrink;
        using (VhdxImage image = VhdxImage.Open(file, leaveOpen: true))
        {
            if (image.DiskType == VhdDiskType.Differencing)
            {
                throw new InvalidOperationException($"{image.Path} is a differencing VHDX; its size is its parent's.");
            }

            if (newSize == image.Capacity)
            {
                editor.Close();
                return;
            }

            editor.RenewDataWriteGuid();
            shrink = newSize < image.Capacity;
            List<LogWrite> writes = shrink ? ShrinkWrites(image, newSize) : GrowWrites(image, editor, newSize);
            editor.WriteMetadata(writes);
            editor.Close();
        }

        if (shrink)
        {
            using VhdxImage resized = VhdxImage.Open(file, leaveOpen: true);
            long end = resized.NamedEnd();
            if (file.Length > end)
            {
                file.SetLength(end);
                file.Flush();
            }
        }
    }

    /// <summary>
    /// Makes the region table copy not in effect equal to the one in effect (a BAT move a crash interrupted between
    /// the two copies, or a damaged copy), so that the move this resize may make starts from two equal copies.
    /// </summary>
    private static void MatchRegionTableCopies(IPositionalStorage file, VhdxEditor editor)
    {
        byte[] first = new byte[VhdxRegionTable.Size];
        byte[] second = new byte[VhdxRegionTable.Size];
        file.ReadExactly(first, VhdxLayout.RegionTable1Offset, "VHDX region table 1");
        file.ReadExactly(second, VhdxLayout.RegionTable2Offset, "VHDX region table 2");
        if (first.AsSpan().SequenceEqual(second))
        {
            return;
        }

        if (VhdxRegionTable.Parse(first).IsValid)
        {
            editor.RewriteRegionTable(2, first);
        }
        else
        {
            editor.RewriteRegionTable(1, second); // opening succeeded, so copy 2 is valid
        }
    }

    private static List<LogWrite> ShrinkWrites(VhdxImage image, long newSize)
    {
        VhdxBatGeometry geometry = GeometryFor(image, newSize);
        var writes = new List<LogWrite> { SizeSector(image, newSize) };
        long batOffset = (long)image.RegionTable.Find(VhdxGuids.BatRegion)!.Value.FileOffset;
        writes.AddRange(ClearedEntries(image.Storage, batOffset, geometry.TotalEntries, image.Geometry.TotalEntries));
        return writes;
    }

    private static List<LogWrite> GrowWrites(VhdxImage image, VhdxEditor editor, long newSize)
    {
        IPositionalStorage file = image.Storage;
        VhdxBatGeometry old = image.Geometry;
        VhdxBatGeometry geometry = GeometryFor(image, newSize);
        VhdxRegionEntry batRegion = image.RegionTable.Find(VhdxGuids.BatRegion)!.Value;
        long namedEnd = image.NamedEnd();
        ZeroPastOldEnd(image);

        bool moves = geometry.ByteLength > batRegion.Length;
        long newBatLength = (geometry.ByteLength + VhdxLayout.MiB - 1) / VhdxLayout.MiB * VhdxLayout.MiB;
        long batOffset = moves ? namedEnd : (long)batRegion.FileOffset;
        long dataStart = moves ? namedEnd + newBatLength : namedEnd;
        bool isFixed = image.DiskType == VhdDiskType.Fixed;
        if (isFixed)
        {
            PrepareZeros(file, dataStart, (geometry.DataBlockCount - old.DataBlockCount) * image.BlockSize);
        }

        if (moves)
        {
            PrepareZeros(file, batOffset, newBatLength);
        }
        else if (!isFixed)
        {
            // A dynamic disk's new entries in place: NOT_PRESENT, as zeroed runs (whatever a writer left there).
            List<LogWrite> cleared = [.. ClearedEntries(file, batOffset, old.TotalEntries, geometry.TotalEntries), SizeSector(image, newSize)];
            return cleared;
        }

        // The new entries: a fixed disk's new blocks FULLY_PRESENT, in order from dataStart; NOT_PRESENT otherwise.
        long firstSector = old.TotalEntries / EntriesPerSector;
        long lastSector = (geometry.TotalEntries - 1) / EntriesPerSector;
        var sectors = new List<LogWrite>();
        byte[] sector = new byte[VhdxLayout.LogSectorSize];
        for (long s = firstSector; s <= lastSector; s++)
        {
            if (s * EntriesPerSector < old.TotalEntries)
            {
                file.ReadExactly(sector, (long)batRegion.FileOffset + (s * VhdxLayout.LogSectorSize), "VHDX BAT"); // the old entries it holds are kept
            }
            for (int i = 0; i < EntriesPerSector; i++)
            {
                long index = (s * EntriesPerSector) + i;
                if (index < old.TotalEntries)
                {
                    continue;
                }

                ulong raw = 0;
                long block = index - (index / (geometry.ChunkRatio + 1));
                bool payload = (index + 1) % (geometry.ChunkRatio + 1) != 0;
                if (isFixed && payload && index < geometry.TotalEntries)
                {
                    raw = VhdxBatEntry.Create(VhdxBlockState.FullyPresent, (ulong)(dataStart + ((block - old.DataBlockCount) * image.BlockSize))).Raw;
                }

                BinaryPrimitives.WriteUInt64LittleEndian(sector.AsSpan(i * VhdxBatEntry.Size), raw);
            }

            long at = batOffset + (s * VhdxLayout.LogSectorSize);
            if (moves)
            {
                file.Write(sector, at);
            }
            else
            {
                sectors.Add(new LogWrite(at, sector.Length, (byte[])sector.Clone()));
            }
        }

        if (moves)
        {
            MoveBat(image, editor, batRegion, batOffset, (uint)newBatLength, firstSector);
        }

        sectors.Add(SizeSector(image, newSize));
        return sectors;
    }

    /// <summary>The old BAT's sectors before the new entries copied to the new place, fsync'd, then both region table copies naming it.</summary>
    private static void MoveBat(VhdxImage image, VhdxEditor editor, VhdxRegionEntry batRegion, long batOffset, uint newBatLength, long sectorsToCopy)
    {
        IPositionalStorage file = image.Storage;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(VhdxLayout.MiB);
        try
        {
            long bytes = sectorsToCopy * VhdxLayout.LogSectorSize;
            for (long done = 0; done < bytes; done += VhdxLayout.MiB)
            {
                Span<byte> part = buffer.AsSpan(0, (int)Math.Min(VhdxLayout.MiB, bytes - done));
                file.ReadExactly(part, (long)batRegion.FileOffset + done, "VHDX BAT");
                file.Write(part, batOffset + done);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        file.Flush();
        var entries = image.RegionTable.Entries.ToBuilder();
        int at = entries.IndexOf(batRegion);
        entries[at] = batRegion with { FileOffset = (ulong)batOffset, Length = newBatLength };
        byte[] table = new byte[VhdxRegionTable.Size];
        (image.RegionTable with { Entries = entries.ToImmutable(), EntryCount = (uint)entries.Count }).WriteTo(table);
        editor.RewriteRegionTable(1, table);
        editor.RewriteRegionTable(2, table);
    }

    /// <summary>Makes <paramref name="length"/> bytes from <paramref name="start"/> read zeros: the file extended (sparse) to cover them, bytes already there zeroed.</summary>
    private static void PrepareZeros(IPositionalStorage file, long start, long length)
    {
        long stale = Math.Min(file.Length, start + length) - start;
        if (stale > 0)
        {
            file.WriteZeros(start, stale);
        }

        if (file.Length < start + length)
        {
            file.SetLength(start + length);
        }
    }

    /// <summary>The old last block's bytes past the old size, zeroed (and the file extended to hold the whole block), when that block is present.</summary>
    private static void ZeroPastOldEnd(VhdxImage image)
    {
        long used = image.Capacity % image.BlockSize;
        VhdxBatEntry last = image.PayloadEntry(image.Geometry.DataBlockCount - 1);
        if (used == 0 || last.State is not (VhdxBlockState.FullyPresent or VhdxBlockState.PartiallyPresent))
        {
            return;
        }

        long blockEnd = (long)last.FileOffset + image.BlockSize;
        if (image.Storage.Length < blockEnd)
        {
            image.Storage.SetLength(blockEnd);
        }

        image.Storage.WriteZeros((long)last.FileOffset + used, image.BlockSize - used);
    }

    /// <summary>The BAT entries from <paramref name="from"/> to <paramref name="to"/> cleared (NOT_PRESENT): the first sector rewritten, whole sectors as a zeroed run.</summary>
    private static IEnumerable<LogWrite> ClearedEntries(IPositionalStorage file, long batOffset, long from, long to)
    {
        if (from >= to)
        {
            yield break;
        }

        long sectorIndex = from / EntriesPerSector;
        if (from % EntriesPerSector != 0)
        {
            byte[] sector = new byte[VhdxLayout.LogSectorSize];
            long at = batOffset + (sectorIndex * VhdxLayout.LogSectorSize);
            file.ReadExactly(sector, at, "VHDX BAT");
            sector.AsSpan((int)(from % EntriesPerSector) * VhdxBatEntry.Size).Clear();
            yield return new LogWrite(at, sector.Length, sector);
            sectorIndex++;
        }

        long endSector = (to + EntriesPerSector - 1) / EntriesPerSector;
        if (endSector > sectorIndex)
        {
            yield return new LogWrite(batOffset + (sectorIndex * VhdxLayout.LogSectorSize), (endSector - sectorIndex) * VhdxLayout.LogSectorSize, null);
        }
    }

    /// <summary>The metadata region's 4 KiB sector holding the virtual disk size item, with the new size in it.</summary>
    private static LogWrite SizeSector(VhdxImage image, long newSize)
    {
        long region = (long)image.RegionTable.Find(VhdxGuids.MetadataRegion)!.Value.FileOffset;
        long item = region + image.Metadata.Table.Find(VhdxGuids.VirtualDiskSize)!.Value.Offset;
        long start = item / VhdxLayout.LogSectorSize * VhdxLayout.LogSectorSize;
        byte[] sector = new byte[VhdxLayout.LogSectorSize];
        image.Storage.ReadExactly(sector, start, "VHDX metadata");
        if (item + sizeof(ulong) > start + VhdxLayout.LogSectorSize)
        {
            throw new VhdxFormatException(string.Create(CultureInfo.InvariantCulture,
                $"The virtual disk size item of {image.Path} at {FormatErrors.Hex((ulong)item)}: expected inside one 4 KiB sector, was across two."));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(sector.AsSpan((int)(item - start)), (ulong)newSize);
        return new LogWrite(start, sector.Length, sector);
    }
}
