using System.Runtime.CompilerServices;

namespace VhdKit.Format;

/// <summary>
/// The per-block sector bitmap: one bit per sector, most significant bit first (bit 7 of byte 0 is the
/// block's first sector). Dynamic disks: 1 = written. Differencing disks: 1 = this file holds the sector.
/// </summary>
public static class SectorBitmap
{
    /// <summary>The on-disk size of the bitmap of a block of <paramref name="sectorsPerBlock"/> sectors, padded to whole sectors.</summary>
    public static int SizeInBytes(int sectorsPerBlock) =>
        (int)BlockAllocationTable.AlignUp((sectorsPerBlock + 7) / 8, VhdConstants.SectorSize);

    /// <summary>Whether the bit for <paramref name="sector"/> is set.</summary>
    public static bool IsSet(ReadOnlySpan<byte> bitmap, int sector) => (bitmap[sector >> 3] & (0x80 >> (sector & 7))) != 0;

    /// <summary>Sets or clears the bit for <paramref name="sector"/>.</summary>
    public static void Set(Span<byte> bitmap, int sector, bool value)
    {
        int mask = 0x80 >> (sector & 7);
        if (value)
        {
            bitmap[sector >> 3] |= (byte)mask;
        }
        else
        {
            bitmap[sector >> 3] &= (byte)~mask;
        }
    }

    /// <summary>Sets or clears <paramref name="count"/> bits starting at <paramref name="sector"/>.</summary>
    public static void SetRange(Span<byte> bitmap, int sector, int count, bool value)
    {
        int end = sector + count;
        int i = sector;
        for (; i < end && (i & 7) != 0; i++)
        {
            Set(bitmap, i, value);
        }

        for (; i + 8 <= end; i += 8)
        {
            bitmap[i >> 3] = value ? (byte)0xFF : (byte)0;
        }

        for (; i < end; i++)
        {
            Set(bitmap, i, value);
        }
    }

    /// <summary>
    /// The length of the run of equal bits that starts at <paramref name="sector"/>, at most
    /// <paramref name="maxCount"/> sectors. The run's value is <see cref="IsSet"/> of the first sector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CountRun(ReadOnlySpan<byte> bitmap, int sector, int maxCount)
    {
        bool value = IsSet(bitmap, sector);
        int end = sector + maxCount;
        int i = sector + 1;
        for (; i < end && (i & 7) != 0; i++)
        {
            if (IsSet(bitmap, i) != value)
            {
                return i - sector;
            }
        }

        // Whole bytes with one vectorized scan for the first byte that differs (profiled: this loop, byte by byte,
        // was the hottest managed frame of a depth-8 chain read, where each layer that does not hold a run is
        // asked to count its clear bits up to the end of the block; BENCHMARKS.md, "The improvement").
        int firstByte = i >> 3;
        int endByte = end >> 3;
        if (firstByte < endByte)
        {
            int differs = bitmap[firstByte..endByte].IndexOfAnyExcept(value ? (byte)0xFF : (byte)0);
            i = (differs < 0 ? endByte : firstByte + differs) << 3;
        }

        while (i < end && IsSet(bitmap, i) == value)
        {
            i++;
        }

        return Math.Min(i, end) - sector;
    }
}
