using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using VhdKit.Format;
using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>
/// The one question a layer answers (as in qemu's block layer): for a range of the virtual disk, is it stored
/// in this file, where, and for how long a run?
/// </summary>
public sealed partial class VhdImage
{
    private readonly int _sectorsPerBlock;
    private readonly BitmapCache? _bitmaps;

    // Read on every walk of every read (Map and the read-ahead checks): plain fields, not the footer's and header's
    // properties (each of which copies its struct) or the storage's CanWrite (an interface call).
    private readonly long _capacity;

    /// <summary>The block size in bytes; 0 for a fixed disk.</summary>
    private readonly int _blockSize;

    /// <summary>Whether the storage was opened read-only (it cannot change while the image is open).</summary>
    private readonly bool _readOnly;

    /// <summary>
    /// Whether this file holds the bytes at <paramref name="virtualOffset"/>, and for how long a run (at most
    /// <paramref name="maxLength"/>) the answer stays the same. A fixed disk holds everything; a dynamic or
    /// differencing disk holds the sectors whose bitmap bit is set in its allocated blocks. Bitmap bits past
    /// the capacity (in the last block) are ignored.
    /// </summary>
    /// <param name="virtualOffset">Offset in the virtual disk.</param>
    /// <param name="maxLength">The most bytes the caller wants answered (greater than 0).</param>
    /// <param name="fileOffset">Where the run starts in the file, when held.</param>
    /// <param name="length">The length of the run (1 to <paramref name="maxLength"/>).</param>
    /// <returns>Whether this file holds the run.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Map(long virtualOffset, long maxLength, out long fileOffset, out long length)
    {
        fileOffset = 0;
        if (virtualOffset >= _capacity)
        {
            length = maxLength;
            return false;
        }

        maxLength = Math.Min(maxLength, _capacity - virtualOffset);
        if (_blockSize == 0)
        {
            fileOffset = virtualOffset;
            length = maxLength;
            return true;
        }

        int block = (int)(virtualOffset / _blockSize);
        long inBlock = virtualOffset % _blockSize;
        long limit = Math.Min(maxLength, _blockSize - inBlock);
        uint entry = Bat![block];
        if (entry == BlockAllocationTable.Unallocated)
        {
            length = limit;
            return false;
        }

        byte[] bitmap = Bitmap(block, entry);
        int sector = (int)(inBlock / VhdConstants.SectorSize);
        int sectorsWanted = (int)((inBlock + limit + VhdConstants.SectorSize - 1) / VhdConstants.SectorSize) - sector;
        int run = SectorBitmap.CountRun(bitmap, sector, sectorsWanted);
        length = Math.Min(limit, ((long)(sector + run) * VhdConstants.SectorSize) - inBlock);
        fileOffset = ((long)entry * VhdConstants.SectorSize) + _bitmaps!.BitmapSize + inBlock;
        return SectorBitmap.IsSet(bitmap, sector);
    }

    /// <summary>
    /// At the first read of a block from its start, reads its sector bitmap and the data after it with one call
    /// (they are adjacent in the file): the bitmap into the cache, the data into <paramref name="data"/> at its
    /// place. Does nothing (returns 0) when <paramref name="virtualOffset"/> is not a block's start, the block is
    /// unallocated, or its bitmap is already held. The data is read whether or not this layer holds it: the
    /// caller keeps only the runs <see cref="Map"/> then says are held here.
    /// </summary>
    /// <param name="virtualOffset">Offset in the virtual disk.</param>
    /// <param name="data">Where the data from <paramref name="virtualOffset"/> goes; no more than the block is read.</param>
    /// <returns>The bytes of <paramref name="data"/> filled from this file (fewer when the file ends early).</returns>
    /// <exception cref="IOException">The file could not be read.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int ReadBitmapWithData(long virtualOffset, Span<byte> data)
    {
        if (!StartsUncachedBlock(virtualOffset))
        {
            return 0;
        }

        int block = (int)(virtualOffset / _blockSize);
        uint entry = Bat![block];

        data = data[..(int)Math.Min(data.Length, Math.Min(_blockSize, _capacity - virtualOffset))];
        Span<byte> bitmap = _bitmaps!.Scratch(stackalloc byte[BitmapCache.MaxStackBitmap], out byte[]? rented);
        try
        {
            long version = _bitmaps.Version;
            int read = Storage.ReadVector(bitmap, data, default, default, (long)entry * VhdConstants.SectorSize);
            if (read < bitmap.Length)
            {
                // A file cut short inside the bitmap: Map reads it again and reports where.
                return 0;
            }

            _bitmaps.Add(block, bitmap, version);
            return read - bitmap.Length;
        }
        finally
        {
            BitmapCache.ReturnScratch(rented);
        }
    }

    /// <summary>
    /// Whether <paramref name="virtualOffset"/> starts an allocated block whose bitmap is not cached (see
    /// <see cref="ReadBitmapWithData"/>), in an image open read-only.
    /// </summary>
    /// <remarks>
    /// Reading a block's data before its bitmap is asked is left to read-only images: in one open for writing, a
    /// write could set bits between that read and <see cref="Map"/>, which would then pass the bytes read before
    /// the write (the block's unwritten area) for the sectors just written.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool StartsUncachedBlock(long virtualOffset)
    {
        if (_blockSize == 0 || virtualOffset % _blockSize != 0 || virtualOffset >= _capacity || !_readOnly)
        {
            return false;
        }

        int block = (int)(virtualOffset / _blockSize);
        return Bat![block] != BlockAllocationTable.Unallocated && !_bitmaps!.Contains(block);
    }

    /// <summary>
    /// Reads <paramref name="run"/> (held data that ends at its block's end) together with what follows it in the
    /// file when that is the next block: at most <see cref="MaxSkippedGap"/> bytes of padding (skipped), the next
    /// block's sector bitmap (cached) and its data (into <paramref name="next"/> at its place, whether or not this
    /// layer holds it: the caller keeps only what <see cref="Map"/> then says is held). One call instead of three.
    /// Does nothing when the next block lies elsewhere, is unallocated or past the disk, or its bitmap is cached, or
    /// the image is open for writing (see <see cref="StartsUncachedBlock"/>).
    /// </summary>
    /// <param name="runEnd">The virtual offset where the run ends: a block's end.</param>
    /// <param name="run">Where the run goes.</param>
    /// <param name="runFileOffset">Where the run lies in the file.</param>
    /// <param name="next">Where the next block's data from its start goes; no more than the block is read.</param>
    /// <returns>The bytes of <paramref name="next"/> filled, or -1 when nothing was read (the caller reads the run).</returns>
    /// <exception cref="VhdFormatException">The file ends inside the run.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int ReadRunWithNextBlock(long runEnd, Span<byte> run, long runFileOffset, Span<byte> next)
    {
        if (!_readOnly || _blockSize == 0 || next.IsEmpty || runEnd >= _capacity || runEnd % _blockSize != 0)
        {
            return -1;
        }

        int block = (int)(runEnd / _blockSize);
        uint entry = Bat![block];
        long gap = ((long)entry * VhdConstants.SectorSize) - (runFileOffset + run.Length);
        if (entry == BlockAllocationTable.Unallocated || gap < 0 || gap > MaxSkippedGap || _bitmaps!.Contains(block))
        {
            return -1;
        }

        next = next[..(int)Math.Min(next.Length, Math.Min(_blockSize, _capacity - runEnd))];
        Span<byte> skipped = stackalloc byte[(int)gap];
        Span<byte> bitmap = _bitmaps.Scratch(stackalloc byte[BitmapCache.MaxStackBitmap], out byte[]? rented);
        try
        {
            long version = _bitmaps.Version;
            int read = Storage.ReadVector(run, skipped, bitmap, next, runFileOffset);
            if (read < run.Length)
            {
                // The file ends inside the run: say so as any read of block data does.
                Storage.ReadExactly(run[read..], runFileOffset + read, "Block data");
            }

            int head = run.Length + (int)gap + bitmap.Length;
            if (read < head)
            {
                // The file ends inside the next block's bitmap: Map reads it again and reports where.
                return 0;
            }

            _bitmaps.Add(block, bitmap, version);
            return read - head;
        }
        finally
        {
            BitmapCache.ReturnScratch(rented);
        }
    }

    /// <summary>
    /// The most padding between a block's data and the next block's bitmap that a read across them skips: one page
    /// (VhdKit places block data on 4 KiB boundaries, so 3,584 bytes lie between its blocks; qemu-img and Windows
    /// leave none).
    /// </summary>
    internal const int MaxSkippedGap = 4096;

    /// <summary>Bytes of sector bitmaps this image holds in memory (for tests of the cache's bound).</summary>
    internal long CachedBitmapBytes => _bitmaps?.Bytes ?? 0;

    /// <summary>Bytes of those bitmaps that are dirty (changed, not yet written by a flush).</summary>
    internal long DirtyBitmapBytes => _bitmaps?.DirtyBytes ?? 0;

    private byte[] Bitmap(int block, uint entry) => _bitmaps!.Get(block, (long)entry * VhdConstants.SectorSize);
}
