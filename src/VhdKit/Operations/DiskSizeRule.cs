using System.Globalization;
using VhdKit.Format;

namespace VhdKit.Operations;

/// <summary>
/// The one rule for a VHD's virtual size that create, resize and convert apply: a multiple of 512 bytes from 3 MiB
/// to 2040 GiB. Its message is plain (no "(Parameter ...)" or "Actual value was" text): it says what was expected and
/// what was given.
/// </summary>
internal static class DiskSizeRule
{
    /// <summary>Whether <paramref name="size"/> is a size VhdKit gives a VHD.</summary>
    public static bool Allows(long size) =>
        size >= VhdConstants.MinimumDiskSize && size <= VhdConstants.MaximumDiskSize && size % VhdConstants.SectorSize == 0;

    /// <summary>Returns <paramref name="size"/> when allowed.</summary>
    /// <param name="size">The size in bytes.</param>
    /// <param name="subject">What has the size, as the message starts: "The size", "x.img is", ...</param>
    /// <exception cref="ArgumentOutOfRangeException">The size is not allowed.</exception>
    public static long Check(long size, string subject = "The size")
    {
        if (!Allows(size))
        {
            throw new ArgumentOutOfRangeException(null, Message(size, subject));
        }

        return size;
    }

    /// <summary>"{subject} must be a multiple of 512 bytes from 3 MiB to 2040 GiB; got N bytes (H)."</summary>
    public static string Message(long size, string subject = "The size") => string.Create(CultureInfo.InvariantCulture,
        $"{subject} must be a multiple of 512 bytes from 3 MiB ({VhdConstants.MinimumDiskSize} bytes) to 2040 GiB ({VhdConstants.MaximumDiskSize} bytes); got {size} bytes{Readable(size)}.");

    private static string Readable(long size)
    {
        const long MiB = 1024 * 1024;
        return size >= MiB && size % MiB == 0 ? string.Create(CultureInfo.InvariantCulture, $" ({size / MiB} MiB)") : string.Empty;
    }
}
