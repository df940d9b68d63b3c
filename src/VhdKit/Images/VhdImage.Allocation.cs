using System.Collections.Immutable;
using VhdKit.Format;

namespace VhdKit.Images;

/// <summary>
/// The one question a layer answers (as in qemu's block layer): for a range of the virtual disk, is it stored
/// in this file, where, and for how long a run?
/// </summary>
public sealed partial class VhdImage
{
    private readonly int _sectorsPerBlock;
    private readonly BitmapCache? _bitmaps;

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
    public bool Map(long virtualOffset, long maxLength, out long fileOffset, out long length)
    {
        fileOffset = 0;
        if (virtualOffset >= Capacity)
        {
            length = maxLength;
            return false;
        }

        maxLength = Math.Min(maxLength, Capacity - virtualOffset);
        if (Header is not { } header)
        {
            fileOffset = virtualOffset;
            length = maxLength;
            return true;
        }

        int block = (int)(virtualOffset / header.BlockSize);
        long inBlock = virtualOffset % header.BlockSize;
        long limit = Math.Min(maxLength, header.BlockSize - inBlock);
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

    /// <summary>Bytes of sector bitmaps this image holds in memory (for tests of the cache's bound).</summary>
    internal long CachedBitmapBytes => _bitmaps?.Bytes ?? 0;

    /// <summary>Bytes of those bitmaps that are dirty (changed, not yet written by a flush).</summary>
    internal long DirtyBitmapBytes => _bitmaps?.DirtyBytes ?? 0;

    private byte[] Bitmap(int block, uint entry) => _bitmaps!.Get(block, (long)entry * VhdConstants.SectorSize);
}
