namespace VhdKit.Format;

/// <summary>
/// The checksum of the footer and of the dynamic header: the ones' complement of the 32-bit sum of every
/// byte of the structure, with the checksum field itself taken as zero.
/// </summary>
public static class VhdChecksum
{
    /// <summary>Computes the checksum of <paramref name="structure"/>, skipping the 4 bytes at <paramref name="checksumOffset"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> structure, int checksumOffset)
    {
        uint sum = 0;
        for (int i = 0; i < structure.Length; i++)
        {
            if (i >= checksumOffset && i < checksumOffset + 4)
            {
                continue;
            }

            sum += structure[i];
        }

        return ~sum;
    }
}
