using System.Globalization;
using VhdKit.Format;

namespace VhdKit.Cli;

/// <summary>
/// The virtual sizes a VHD can have (a multiple of 512 bytes from 3 MiB to 2040 GiB), checked before the library is
/// called so the error says the limit and the size given in the user's units: "the size must be at least 3 MiB (got 2 MiB)".
/// </summary>
internal static class DiskSize
{
    /// <exception cref="ArgumentException">The size is outside the range or not a whole number of sectors.</exception>
    public static long Check(long bytes)
    {
        if (bytes < VhdConstants.MinimumDiskSize)
        {
            throw new ArgumentException($"the size must be at least {Short(VhdConstants.MinimumDiskSize)} (got {Short(bytes)}).");
        }

        if (bytes > VhdConstants.MaximumDiskSize)
        {
            throw new ArgumentException($"the size must be at most {Short(VhdConstants.MaximumDiskSize)} (got {Short(bytes)}).");
        }

        if (bytes % VhdConstants.SectorSize != 0)
        {
            throw new ArgumentException($"the size must be a multiple of {VhdConstants.SectorSize} bytes (got {Short(bytes)}).");
        }

        return bytes;
    }

    /// <summary>The size in the largest binary unit that divides it exactly: <c>2 MiB</c>, <c>2040 GiB</c>, <c>4194305 bytes</c>.</summary>
    public static string Short(long bytes)
    {
        foreach ((string unit, int shift) in new[] { ("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10) })
        {
            if (bytes != 0 && bytes % (1L << shift) == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{bytes >> shift} {unit}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");
    }
}
