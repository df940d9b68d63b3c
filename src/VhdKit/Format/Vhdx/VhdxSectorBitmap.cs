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

    /// <summary>Sets the bits of <paramref name="count"/> sectors from <paramref name="sector"/>.</summary>
    public static void Set(Span<byte> bitmap, int sector, int count)
    {
        for (int i = sector; i < sector + count; i++)
        {
            bitmap[i >> 3] |= (byte)(1 << (i & 7));
        }
    }
}
