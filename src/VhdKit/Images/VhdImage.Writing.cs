using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using VhdKit.Format;

namespace VhdKit.Images;

/// <summary>
/// Writing sectors into this file, crash-safely.
/// </summary>
/// <remarks>
/// The order (REFERENCE §3, "Crash-safe block allocation"), batched per flush:
/// <list type="number">
/// <item>A new block is placed past the end of everything the file holds, its data 4 KiB-aligned; the file is
/// extended over it (sparse) by writing the footer at the new end and fsyncing it, so it always ends with a valid
/// footer whatever order the unsynced writes that follow reach the disk in; then stale bytes inside the block (the
/// old end footer) are zeroed. Data is written in place.
/// Bitmap bits and BAT entries change only in memory, so reads in this session see them.</item>
/// <item><see cref="Flush"/>: fsync (the data is durable); write the dirty bitmaps, the footer at the new end
/// and the dirty BAT sectors; fsync.</item>
/// </list>
/// A crash before the first fsync loses only unflushed writes: the on-disk BAT and bitmaps still describe the
/// old content. A crash between the two leaves, at worst, bitmaps that claim sectors whose data is already
/// durable, or an orphan block the BAT does not name (a tail <c>vhd repair</c> cuts). Everything a completed
/// flush covered is intact.
/// </remarks>
public sealed partial class VhdImage
{
    private readonly Lock _writeLock = new();
    private readonly HashSet<int> _dirtyBatSectors = [];
    private long _dataEnd;
    private bool _endMoved;

    /// <summary>
    /// Writes whole sectors at <paramref name="virtualOffset"/> (both multiples of 512) into this file: a fixed
    /// disk in place; a dynamic or differencing disk into its blocks, allocating them as needed.
    /// </summary>
    /// <exception cref="ArgumentException">The range is not sector-aligned or lies outside the disk.</exception>
    /// <exception cref="NotSupportedException">The image is open read-only.</exception>
    /// <exception cref="IOException">The write failed (the disk is full, ...), or the flush it makes once more than
    /// <see cref="BitmapCache.MaxDirtyBytes"/> of bitmaps are dirty failed; the image stays valid.</exception>
    public void WriteSectors(ReadOnlySpan<byte> data, long virtualOffset)
    {
        if (virtualOffset % VhdConstants.SectorSize != 0 || data.Length % VhdConstants.SectorSize != 0
            || virtualOffset < 0 || virtualOffset > Capacity - data.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Sector writes take whole sectors inside the {Capacity}-byte disk; {data.Length} bytes at {virtualOffset} were given."), nameof(data));
        }

        if (!CanWrite)
        {
            throw new NotSupportedException($"{Path} is open read-only.");
        }

        lock (_writeLock)
        {
            if (Header is not { } header)
            {
                Storage.Write(data, virtualOffset);
                return;
            }

            while (!data.IsEmpty)
            {
                int block = (int)(virtualOffset / header.BlockSize);
                int inBlock = (int)(virtualOffset % header.BlockSize);
                int count = Math.Min(data.Length, (int)header.BlockSize - inBlock);
                long blockStart = EnsureAllocated(block, header);
                Storage.Write(data[..count], blockStart + _bitmaps!.BitmapSize + inBlock);
                _bitmaps.SetSectors(block, inBlock / VhdConstants.SectorSize, count / VhdConstants.SectorSize, blockStart);
                data = data[count..];
                virtualOffset += count;
            }
        }

        // Dirty bitmaps stay in memory until a flush writes them: past the bound, flush rather than keep more
        // (with 256 MiB blocks each is 64 KiB). Flushing earlier than asked keeps the same crash-safe order.
        if (_bitmaps!.DirtyBytes > BitmapCache.MaxDirtyBytes)
        {
            Flush();
        }
    }

    /// <summary>Makes every write so far durable, with the metadata that describes it (see the remarks on the order).</summary>
    /// <exception cref="IOException">The flush failed.</exception>
    public void Flush()
    {
        if (!CanWrite)
        {
            return;
        }

        lock (_writeLock)
        {
            Storage.Flush();
            if (Header is not { } header || (!_bitmaps!.HasDirty && _dirtyBatSectors.Count == 0 && !_endMoved))
            {
                return;
            }

            List<KeyValuePair<int, byte[]>> bitmaps = _bitmaps.DirtySnapshot();
            foreach ((int block, byte[] bitmap) in bitmaps)
            {
                Storage.Write(bitmap, (long)Bat![block] * VhdConstants.SectorSize);
            }

            WriteEndFooter();
            WriteDirtyBatSectors(header);
            Storage.Flush();
            _bitmaps.MarkClean(bitmaps);
        }
    }

    private long EnsureAllocated(int block, DynamicHeader header)
    {
        uint entry = Bat![block];
        if (entry != BlockAllocationTable.Unallocated)
        {
            return (long)entry * VhdConstants.SectorSize;
        }

        int bitmapSize = _bitmaps!.BitmapSize;
        long start = NewImageLayout.BlockStart(_dataEnd, bitmapSize);
        long end = start + bitmapSize + header.BlockSize;
        if (start / VhdConstants.SectorSize >= BlockAllocationTable.Unallocated)
        {
            throw new IOException($"{Path}: a new block would lie beyond the 2 TiB a VHD's 32-bit block table can address.");
        }

        long length = Storage.Length;
        if (length < end + VhdFooter.Size)
        {
            // Extend the file by writing the footer at its new end: the file ends with a valid footer at every
            // moment (the space between is an orphan tail until the flush names the block).
            WriteFooterAt(end);

            // And make that footer durable before anything is written into the block: writes between two fsyncs
            // may reach the disk in any order, and data landing before the footer (or the zeroing of the old
            // footer before the new one) would leave a file that ends without a footer after a power loss.
            Storage.Flush();
        }

        if (length > start)
        {
            // Bytes already there (the old end footer, an orphan tail) must not show through unwritten sectors:
            // readers such as qemu read whole blocks of dynamic disks without the bitmap.
            ZeroRange(start, Math.Min(length, end));
        }

        // The (empty) bitmap first, so a concurrent reader that sees the entry never goes to the file for it.
        _bitmaps.AddNew(block);
        Bat[block] = (uint)(start / VhdConstants.SectorSize);
        _dirtyBatSectors.Add(block / (VhdConstants.SectorSize / 4));
        _dataEnd = end;
        _endMoved = true;
        return start;
    }

    private void ZeroRange(long start, long end)
    {
        const int Chunk = 64 * 1024;
        byte[] zeros = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            Array.Clear(zeros, 0, Chunk);
            for (long offset = start; offset < end; offset += Chunk)
            {
                Storage.Write(zeros.AsSpan(0, (int)Math.Min(Chunk, end - offset)), offset);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(zeros);
        }
    }

    private void WriteEndFooter()
    {
        WriteFooterAt(_dataEnd);
        if (Storage.Length != _dataEnd + VhdFooter.Size)
        {
            Storage.SetLength(_dataEnd + VhdFooter.Size);
        }

        _endMoved = false;
    }

    private void WriteFooterAt(long offset)
    {
        Span<byte> footer = stackalloc byte[VhdFooter.Size];
        Footer.WriteTo(footer);
        Storage.Write(footer, offset);
    }

    private void WriteDirtyBatSectors(DynamicHeader header)
    {
        Span<byte> sector = stackalloc byte[VhdConstants.SectorSize];
        const int EntriesPerSector = VhdConstants.SectorSize / 4;
        foreach (int index in _dirtyBatSectors)
        {
            long offset = (long)header.TableOffset + ((long)index * VhdConstants.SectorSize);

            // Entries past the ones the disk needs (a table sized for growth) keep what the file has.
            sector.Fill(0xFF);
            Storage.Read(sector, offset);
            int first = index * EntriesPerSector;
            int count = Math.Min(EntriesPerSector, Bat!.Count - first);
            for (int i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(sector[(i * 4)..], Bat[first + i]);
            }

            Storage.Write(sector, offset);
        }

        _dirtyBatSectors.Clear();
    }
}
