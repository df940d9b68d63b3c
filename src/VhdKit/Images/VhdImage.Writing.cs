using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>
/// Writing sectors into this file, crash-safely.
/// </summary>
/// <remarks>
/// The order (REFERENCE §3, "Crash-safe block allocation"), batched per flush:
/// <list type="number">
/// <item>A new block is placed past the end of everything the file holds, its data 4 KiB-aligned. When the file
/// does not reach past it, the file is extended, sparse, over a reservation of blocks (this one and the next ones,
/// up to <see cref="ReservationBytes"/>) by writing the footer at the reservation's end and fsyncing it, so it
/// always ends with a valid footer whatever order the unsynced writes that follow reach the disk in: one fsync per
/// reservation, not per block. Blocks allocated inside the reservation need no fsync of their own. Stale bytes
/// inside a new block (an old end footer, an orphan tail found at open) are zeroed; the reservation's fresh
/// sparse bytes read as zeros already. Data is written in place.
/// Bitmap bits and BAT entries change only in memory, so reads in this session see them.</item>
/// <item><see cref="Flush"/>: fsync (the data is durable); write the dirty bitmaps, the footer at the new end
/// and the dirty BAT sectors; fsync. Then, when the file runs past that footer (the unused rest of a
/// reservation, or an orphan tail), cut it there and fsync: only after the footer at the new end is durable.</item>
/// </list>
/// A crash before the first fsync loses only unflushed writes: the on-disk BAT and bitmaps still describe the
/// old content. A crash between the two leaves, at worst, bitmaps that claim sectors whose data is already
/// durable, or blocks and reserved space the BAT does not name (an orphan tail <c>vhd repair</c> cuts, ended by
/// a valid footer). Everything a completed flush covered is intact.
/// </remarks>
public sealed partial class VhdImage
{
    private readonly Lock _writeLock = new();
    private readonly HashSet<int> _dirtyBatSectors = [];
    private long _dataEnd;
    private bool _endMoved;

    // Bytes in [_dataEnd, _staleEnd) may be non-zero (an old end footer, an orphan tail): a block placed over
    // them zeroes them. Past _staleEnd, up to the end footer, the file reads zeros (a reservation's sparse space).
    // -1 until the first allocation (then the file's length).
    private long _staleEnd = -1;

    // Blocks the BAT leaves unallocated (a reservation never reserves more); -1 until counted.
    private int _unallocatedBlocks = -1;

    /// <summary>The default <see cref="ReservationBytes"/>: 64 MiB of blocks per allocation fsync.</summary>
    internal const long DefaultReservationBytes = 64L * 1024 * 1024;

    /// <summary>
    /// How many bytes of blocks the file is extended by at once (at least the new block; at most the blocks still
    /// unallocated): each extension costs one fsync, so this bounds the fsyncs of allocation to one per this many bytes.
    /// </summary>
    internal long ReservationBytes { get; set; } = DefaultReservationBytes;

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
        ThrowIfNotWritable(data.Length, virtualOffset, nameof(data));
        var put = new WrittenBytes(data, Storage);
        Place(virtualOffset, data.Length, ref put);
    }

    /// <summary>Puts the bytes from <c>done</c> on, <c>count</c> of them, at <c>fileOffset</c> of this file.</summary>
    private interface IPlacedBytes
    {
        void Put(int done, int count, long fileOffset);
    }

    /// <summary>A write's bytes, written where they are placed.</summary>
    private readonly ref struct WrittenBytes(ReadOnlySpan<byte> data, IPositionalStorage storage) : IPlacedBytes
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public void Put(int done, int count, long fileOffset) => storage.Write(_data.Slice(done, count), fileOffset);
    }

    /// <summary>
    /// The one placement of sectors into this file, in the crash-safe order: a fixed disk in place; a dynamic or
    /// differencing disk block by block, each allocated (in its durable reservation) before its bytes go in, its
    /// bitmap bits set in memory after (written by the next flush, once the data is durable).
    /// </summary>
    private void Place<TBytes>(long virtualOffset, int length, ref TBytes bytes)
        where TBytes : IPlacedBytes, allows ref struct
    {
        lock (_writeLock)
        {
            if (Header is not { } header)
            {
                bytes.Put(0, length, virtualOffset);
                return;
            }

            for (int done = 0; done < length;)
            {
                int block = (int)(virtualOffset / header.BlockSize);
                int inBlock = (int)(virtualOffset % header.BlockSize);
                int count = Math.Min(length - done, (int)header.BlockSize - inBlock);
                long blockStart = EnsureAllocated(block, header);
                bytes.Put(done, count, blockStart + _bitmaps!.BitmapSize + inBlock);
                _bitmaps.SetSectors(block, inBlock / VhdConstants.SectorSize, count / VhdConstants.SectorSize, blockStart);
                done += count;
                virtualOffset += count;
            }
        }

        FlushIfManyDirtyBitmaps();
    }

    /// <summary>Refuses a write of <paramref name="length"/> bytes at <paramref name="virtualOffset"/> that is not whole sectors inside the disk, or into a read-only image.</summary>
    private void ThrowIfNotWritable(int length, long virtualOffset, string parameter)
    {
        if (virtualOffset % VhdConstants.SectorSize != 0 || length % VhdConstants.SectorSize != 0
            || virtualOffset < 0 || virtualOffset > Capacity - length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Sector writes take whole sectors inside the {Capacity}-byte disk; {length} bytes at {virtualOffset} were given."), parameter);
        }

        if (!CanWrite)
        {
            throw new NotSupportedException($"{Path} is open read-only.");
        }
    }

    /// <summary>
    /// Dirty bitmaps stay in memory until a flush writes them: past the bound, flush rather than keep more (with
    /// 256 MiB blocks each is 64 KiB). Flushing earlier than asked keeps the same crash-safe order.
    /// </summary>
    private void FlushIfManyDirtyBitmaps()
    {
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

            WriteFooterAt(_dataEnd);
            _endMoved = false;
            WriteDirtyBatSectors(header);
            Storage.Flush();
            _bitmaps.MarkClean(bitmaps);
            _staleEnd = Math.Max(_staleEnd, _dataEnd + VhdFooter.Size);
            if (Storage.Length > _dataEnd + VhdFooter.Size)
            {
                // The unused rest of a reservation (or an orphan tail) is cut only now that the footer before it is
                // durable: cut earlier, a crash could leave the file ending in bytes that are not yet that footer.
                Storage.SetLength(_dataEnd + VhdFooter.Size);
                Storage.Flush();
            }
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
        if (_staleEnd < 0)
        {
            _staleEnd = length;
        }

        if (length < end + VhdFooter.Size)
        {
            // Extend the file by writing the footer at the end of a reservation: the file ends with a valid footer
            // at every moment (the space between is an orphan tail until a flush names its blocks).
            WriteFooterAt(ReservationEnd(end, header));

            // And make that footer durable before anything is written into the reservation: writes between two
            // fsyncs may reach the disk in any order, and data landing before the footer (or the zeroing of the
            // old footer before the new one) would leave a file that ends without a footer after a power loss.
            Storage.Flush();

            // The old end footer now lies inside the file, stale; past it the extension reads zeros.
            _staleEnd = Math.Max(_staleEnd, length);
        }

        if (_staleEnd > start)
        {
            // Bytes already there (the old end footer, an orphan tail) must not show through unwritten sectors:
            // readers such as qemu read whole blocks of dynamic disks without the bitmap.
            ZeroRange(start, Math.Min(_staleEnd, end));
        }

        if (_unallocatedBlocks > 0)
        {
            _unallocatedBlocks--;
        }
        // The (empty) bitmap first, so a concurrent reader that sees the entry never goes to the file for it.
        _bitmaps.AddNew(block);
        Bat[block] = (uint)(start / VhdConstants.SectorSize);
        _dirtyBatSectors.Add(block / (VhdConstants.SectorSize / 4));
        _dataEnd = end;
        _endMoved = true;
        return start;
    }

    /// <summary>
    /// Where the reservation that starts with the block ending at <paramref name="end"/> ends: after as many of the
    /// next blocks (placed as they will be) as <see cref="ReservationBytes"/> and the unallocated count allow, and
    /// never past what the 32-bit BAT can address.
    /// </summary>
    private long ReservationEnd(long end, DynamicHeader header)
    {
        if (_unallocatedBlocks < 0)
        {
            _unallocatedBlocks = Bat!.Count - Bat.AllocatedCount();
        }

        int bitmapSize = _bitmaps!.BitmapSize;
        long blocks = Math.Min(_unallocatedBlocks, Math.Max(1, ReservationBytes / header.BlockSize));
        long reservationEnd = end;
        for (long reserved = 1; reserved < blocks; reserved++)
        {
            long next = NewImageLayout.BlockStart(reservationEnd, bitmapSize);
            if (next / VhdConstants.SectorSize >= BlockAllocationTable.Unallocated)
            {
                break;
            }

            reservationEnd = next + bitmapSize + header.BlockSize;
        }

        return reservationEnd;
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
