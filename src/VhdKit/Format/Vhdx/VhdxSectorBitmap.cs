namespace VhdKit.Format.Vhdx;

/// <summary>
/// The bits of a VHDX sector bitmap: one per logical sector, least significant bit first (bit 0 of byte 0 is the
/// first sector; the opposite of VHD's order). Set means this file holds the sector.
/// </summary>
public static class VhdxSectorBitmap
{
    /// <summary>Whether the bit of <paramref name="sector"/> is set.</summary>
    public static bool IsSet(ReadOnlySpan<byte> bitmap, int sector) => (bitmap[sector >> 3] & (1 << (sector & 7))) != 0;

    /// <summary>How many sectors from <paramref name="sector"/> (at most <paramref name="max"/>) have the same bit as it.</summary>
    public static int CountRun(ReadOnlySpan<byte> bitmap, int sector, int max)
    {
        bool value = IsSet(bitmap, sector);
        int run = 1;
        while (run < max)
        {
            int at = sector + run;
            if ((at & 7) == 0 && run + 8 <= max && bitmap[at >> 3] == (value ? 0xFF : 0x00))
            {
                run += 8;
                continue;
            }

            if (IsSet(bitmap, at) != value)
            {
                break;
            }

            run++;
        }

        return run;
    }

    /// <summary>Whether the bits of the first <paramref name="count"/> sectors are all set.</summary>
    public static bool AllSet(ReadOnlySpan<byte> bitmap, int count)
    {
        int whole = count >> 3;
        if (bitmap[..whole].IndexOfAnyExcept((byte)0xFF) >= 0)
        {
            return false;
        }

        int rest = count & 7;
        int mask = (1 << rest) - 1;
        return rest == 0 || (bitmap[whole] & mask) == mask;
    }

    /// <summary>Sets the bits of <paramref name="count"/> sectors from <paramref name="sector"/>.</summary>
    public static void Set(Span<byte> bitmap, int sector, int count)
    {
        for (int i = sector; i < sector + count; i++)
        {
            bitmap[i >> 3] |= (byte)(1 << (i & 7));
        }
    }
}
