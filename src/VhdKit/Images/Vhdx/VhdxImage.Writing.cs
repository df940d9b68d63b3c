using System.Buffers.Binary;
using System.Globalization;
using VhdKit.Format.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// Writing sectors into this file, crash-safely, through <see cref="VhdxEditor"/>.
/// </summary>
/// <remarks>
/// The order:
/// <list type="number">
/// <item>Opening for writing replays a pending log into the file and rewrites both headers (new FileWriteGuid,
/// LogGuid zero). The first data write of the session gives the header a new DataWriteGuid (fsync'd) before any data
/// is written.</item>
/// <item>A write into a FULLY_PRESENT block, or into sectors of a PARTIALLY_PRESENT block, goes in place. A write
/// into any other block places a new 1 MiB-aligned block past everything the file's metadata names (the file is
/// extended, sparse, by reservations of up to <see cref="ReservationBytes"/>; bytes already there, an orphan tail
/// left by a crash, are zeroed first) and writes the data there: FULLY_PRESENT (the rest of it zeros) in a disk
/// without a parent, in a child when the write covers the whole block or the block was ZERO; else
/// PARTIALLY_PRESENT with the written sectors' bits set in the chunk's sector bitmap block (itself placed the same
/// way, zeros, the first time). The BAT entries and bitmap bits change in memory only, so reads in this session see
/// them.</item>
/// <item><see cref="Flush"/>: fsync (the data is durable), then the changed BAT and bitmap sectors in one log entry
/// (<see cref="VhdxEditor.WriteMetadata"/>: logged, fsync'd, applied, fsync'd). A write flushes first when its
/// metadata would not fit one entry, so every entry is a consistent whole.</item>
/// <item>Closing flushes, clears the LogGuid, then cuts the unused rest of a reservation.</item>
/// </list>
/// A crash before the log entry is durable leaves the old metadata (and at worst unnamed blocks past the end); after
/// it, the entry replays the new metadata, whose data was durable before it. Every state opens.
/// </remarks>
public sealed partial class VhdxImage
{
    /// <summary>The default <see cref="ReservationBytes"/>: 64 MiB, as for VHD.</summary>
    internal const long DefaultReservationBytes = 64L * 1024 * 1024;

    private readonly Lock _writeLock = new();
    private readonly SortedSet<long> _dirtyBatSectors = [];
    private readonly SortedSet<long> _dirtyBitmapSectors = [];
    private VhdxEditor? _editor;
    private bool _dataWriteGuidRenewed;
    private long _allocationEnd;
    private long _staleEnd;
    private bool _placed;

    /// <summary>How many bytes the file is extended by at once when a block is placed past its end.</summary>
    internal long ReservationBytes { get; set; } = DefaultReservationBytes;

    /// <summary>Whether the image is open for writing.</summary>
    public bool CanWrite => _editor is not null;

    /// <summary>
    /// Opens the VHDX at <paramref name="path"/> for writing (alone: other openers are refused), replaying a pending
    /// log into the file first.
    /// </summary>
    /// <exception cref="ImageInUseException">The file is open elsewhere.</exception>
    /// <exception cref="VhdxFormatException">The file is not a valid VHDX, or holds something VhdKit must refuse.</exception>
    /// <exception cref="Format.VhdFormatException">The file ends before a structure does.</exception>
    /// <exception cref="IOException">The file cannot be read or written.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    /// <exception cref="NotSupportedException"><paramref name="path"/> is a URL: remote storage is never written.</exception>
    public static VhdxImage OpenWritable(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (StorageLocations.IsUrl(path))
        {
            throw StorageLocations.WritingRefused(StorageLocations.Display(path));
        }

        FileStorage storage;
        try
        {
            storage = FileStorage.Open(path, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (ImageInUseException.IsSharingViolation(e))
        {
            throw new ImageInUseException(path, e);
        }

        try
        {
            return OpenWritable(storage, leaveOpen: false);
        }
        catch
        {
            storage.Dispose();
            throw;
        }
    }

    /// <summary>Opens the VHDX held by <paramref name="storage"/> (writable) for writing, replaying a pending log into it first.</summary>
    /// <exception cref="NotSupportedException">The storage is read-only.</exception>
    /// <exception cref="VhdxFormatException">The storage does not hold a valid VHDX, or holds something VhdKit must refuse.</exception>
    /// <exception cref="Format.VhdFormatException">The storage ends before a structure does.</exception>
    /// <exception cref="IOException">The storage cannot be read or written.</exception>
    public static VhdxImage OpenWritable(IPositionalStorage storage, bool leaveOpen = true)
    {
        ArgumentNullException.ThrowIfNull(storage);
        VhdxScan.Run(storage, maxFaultsPerCode: 1, firstErrorOnly: true).ThrowIfError(); // refuse before the editor writes anything
        var editor = VhdxEditor.Open(storage);
        Opened opened = Read(storage, out IPositionalStorage view);
        var image = new VhdxImage(storage, !leaveOpen, view, opened) { _editor = editor };
        image.StartAllocation();
        return image;
    }

    /// <summary>
    /// Writes whole logical sectors at <paramref name="virtualOffset"/> (both multiples of <see cref="LogicalSectorSize"/>)
    /// into this file, allocating blocks as needed (see the remarks on the order).
    /// </summary>
    /// <exception cref="ArgumentException">The range is not sector-aligned or lies outside the disk.</exception>
    /// <exception cref="NotSupportedException">The image is open read-only.</exception>
    /// <exception cref="IOException">The write (or the flush it makes when the metadata changed so far fills a log entry) failed.</exception>
    public void WriteSectors(ReadOnlySpan<byte> data, long virtualOffset)
    {
        int sectorSize = LogicalSectorSize;
        if (virtualOffset % sectorSize != 0 || data.Length % sectorSize != 0 || virtualOffset < 0 || virtualOffset > Capacity - data.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Sector writes take whole {sectorSize}-byte sectors inside the {Capacity}-byte disk; {data.Length} bytes at {virtualOffset} were given."), nameof(data));
        }

        VhdxEditor editor = _editor ?? throw new NotSupportedException($"{Path} is open read-only.");
        lock (_writeLock)
        {
            if (!_dataWriteGuidRenewed && !data.IsEmpty)
            {
                editor.RenewDataWriteGuid();
                _dataWriteGuidRenewed = true;
            }

            while (!data.IsEmpty)
            {
                long block = virtualOffset / BlockSize;
                int inBlock = (int)(virtualOffset % BlockSize);
                int count = (int)Math.Min(data.Length, BlockSize - inBlock);
                WriteInBlock(block, inBlock, data[..count]);
                data = data[count..];
                virtualOffset += count;
            }
        }
    }

    /// <summary>Makes every write so far durable, with the metadata that describes it (see the remarks on the order).</summary>
    /// <exception cref="IOException">The flush failed.</exception>
    public void Flush()
    {
        if (_editor is null)
        {
            return;
        }

        lock (_writeLock)
        {
            FlushMetadata();
        }
    }

    private void WriteInBlock(long block, int inBlock, ReadOnlySpan<byte> data)
    {
        long index = Geometry.PayloadEntryIndex(block);
        var entry = new VhdxBatEntry(_bat[index]);
        if (entry.State == VhdxBlockState.FullyPresent)
        {
            _file.Write(data, (long)entry.FileOffset + inBlock);
            return;
        }

        bool whole = inBlock == 0 && data.Length == Geometry.BlockSize;
        bool partial = Metadata.FileParameters.HasParent && entry.State != VhdxBlockState.Zero && !whole;
        if (entry.State == VhdxBlockState.PartiallyPresent)
        {
            _file.Write(data, (long)entry.FileOffset + inBlock);
            SetBits(block, inBlock, data.Length);
            PromoteIfWhollyWritten(block);
            return;
        }

        MakeRoomInLogEntry(partial ? 3 + BitmapSectorsPerBlock : 1);
        long start = Place(BlockSize);
        _file.Write(data, start + inBlock);
        if (partial)
        {
            long bitmapIndex = Geometry.BitmapEntryIndexFor(block);
            if (new VhdxBatEntry(_bat[bitmapIndex]).State != VhdxBlockState.FullyPresent)
            {
                SetEntry(bitmapIndex, VhdxBatEntry.Create(VhdxBlockState.FullyPresent, (ulong)Place(VhdxLayout.MiB)));
            }

            _bitmaps!.AddNew((int)block);
            SetBits(block, inBlock, data.Length);
        }

        SetEntry(index, VhdxBatEntry.Create(partial ? VhdxBlockState.PartiallyPresent : VhdxBlockState.FullyPresent, (ulong)start));
        if (partial)
        {
            PromoteIfWhollyWritten(block); // the last block of a disk whose size is not a multiple of the block size
        }
    }

    /// <summary>Sets the bitmap bits of the sectors written (copy-on-write: readers see the old bitmap or the new one).</summary>
    private void SetBits(long block, int inBlock, int length)
    {
        int sectorSize = LogicalSectorSize;
        long bitmapOffset = (long)new VhdxBatEntry(_bat[Geometry.BitmapEntryIndexFor(block)]).FileOffset + Geometry.BitmapByteOffsetFor(block, Metadata.LogicalSectorSize);
        byte[] current = _bitmaps!.Get((int)block, bitmapOffset);
        int sector = inBlock / sectorSize;
        int count = length / sectorSize;
        if (VhdxSectorBitmap.IsSet(current, sector) && VhdxSectorBitmap.CountRun(current, sector, count) == count)
        {
            return;
        }

        MakeRoomInLogEntry(BitmapSectorsPerBlock);
        byte[] updated = (byte[])current.Clone();
        VhdxSectorBitmap.Set(updated, sector, count);
        _bitmaps.Replace((int)block, updated);
        for (long at = bitmapOffset / VhdxLayout.LogSectorSize * VhdxLayout.LogSectorSize; at < bitmapOffset + updated.Length; at += VhdxLayout.LogSectorSize)
        {
            _dirtyBitmapSectors.Add(at);
        }
    }

    private int BitmapSectorsPerBlock => Math.Max(1, _bitmaps is null ? 0 : (_bitmaps.BitmapSize + VhdxLayout.LogSectorSize - 1) / VhdxLayout.LogSectorSize);

    /// <summary>Flushes first when <paramref name="sectors"/> more dirty metadata sectors might not fit the next log entry.</summary>
    private void MakeRoomInLogEntry(int sectors)
    {
        if (_dirtyBatSectors.Count + _dirtyBitmapSectors.Count + sectors > VhdxEditor.MaxSectorsPerEntry)
        {
            FlushMetadata();
        }
    }

    private void SetEntry(long index, VhdxBatEntry entry)
    {
        _bat[index] = entry.Raw;
        _dirtyBatSectors.Add(index * VhdxBatEntry.Size / VhdxLayout.LogSectorSize);
    }

    /// <summary>A new 1 MiB-aligned place of <paramref name="length"/> bytes past everything the metadata names, reading zeros.</summary>
    private long Place(long length)
    {
        long start = _allocationEnd;
        long end = start + length;
        if (_file.Length < end)
        {
            _file.SetLength(Math.Max(end, Math.Min(start + ReservationBytes, start + ((long)Geometry.DataBlockCount * BlockSize) + VhdxLayout.MiB)));
        }

        if (start < _staleEnd)
        {
            _file.WriteZeros(start, Math.Min(end, _staleEnd) - start);
        }

        _allocationEnd = end;
        _placed = true;
        return start;
    }

    private void FlushMetadata()
    {
        VhdxEditor editor = _editor!;
        if (_dirtyBatSectors.Count == 0 && _dirtyBitmapSectors.Count == 0)
        {
            _file.Flush();
            return;
        }

        var writes = new List<LogWrite>(_dirtyBatSectors.Count + _dirtyBitmapSectors.Count);
        List<KeyValuePair<int, byte[]>> bitmaps = _bitmaps?.DirtySnapshot() ?? [];
        foreach (long at in _dirtyBitmapSectors)
        {
            var sector = new byte[VhdxLayout.LogSectorSize];
            _file.ReadExactly(sector, at, "VHDX sector bitmap");
            foreach ((int block, byte[] bits) in bitmaps)
            {
                long offset = (long)new VhdxBatEntry(_bat[Geometry.BitmapEntryIndexFor(block)]).FileOffset + Geometry.BitmapByteOffsetFor(block, Metadata.LogicalSectorSize);
                long from = Math.Max(offset, at);
                long to = Math.Min(offset + bits.Length, at + VhdxLayout.LogSectorSize);
                if (from < to)
                {
                    bits.AsSpan((int)(from - offset), (int)(to - from)).CopyTo(sector.AsSpan((int)(from - at)));
                }
            }

            writes.Add(new LogWrite(at, sector.Length, sector));
        }

        long batOffset = (long)RegionTable.Find(VhdxGuids.BatRegion)!.Value.FileOffset;
        const int EntriesPerSector = VhdxLayout.LogSectorSize / VhdxBatEntry.Size;
        foreach (long sectorIndex in _dirtyBatSectors)
        {
            var sector = new byte[VhdxLayout.LogSectorSize];
            long first = sectorIndex * EntriesPerSector;
            for (int i = 0; i < EntriesPerSector && first + i < _bat.Length; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(sector.AsSpan(i * VhdxBatEntry.Size), _bat[first + i]);
            }

            writes.Add(new LogWrite(batOffset + (sectorIndex * VhdxLayout.LogSectorSize), sector.Length, sector));
        }

        editor.WriteMetadata(writes);
        _bitmaps?.MarkClean(bitmaps);
        _dirtyBatSectors.Clear();
        _dirtyBitmapSectors.Clear();
    }

    /// <summary>Where new blocks go: past the header section, the log, the regions and every block the BAT names.</summary>
    private void StartAllocation()
    {
        _allocationEnd = NamedEnd();
        _staleEnd = _file.Length;
    }

    /// <summary>Flushes, clears the LogGuid, and cuts the unused rest of a reservation.</summary>
    private void CloseForWriting()
    {
        if (_editor is not { } editor)
        {
            return;
        }

        lock (_writeLock)
        {
            try
            {
                FlushMetadata();
                editor.Close();
                if (_placed && _file.Length > _allocationEnd)
                {
                    // Only now that no log entry (whose FlushedFileOffset may name the longer file) is live.
                    _file.SetLength(_allocationEnd);
                    _file.Flush();
                }
            }
            finally
            {
                _editor = null; // closed once: a failure leaves the log for the next opening to replay
            }
        }
    }
}
