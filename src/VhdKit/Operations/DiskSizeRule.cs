using System.Globalization;
using VhdKit.Format;

namespace VhdKit.Operations;

/// <summary>
/// The one rule for a VHD's virtual size that create, resize and convert apply (and the CLI, through them): a multiple
/// of 512 bytes from 3 MiB to 2040 GiB. Its message is plain (no "(Parameter ...)" or "Actual value was" text): the
/// bound that was missed and the size given, in the largest unit that states it exactly: "The size must be at least
/// 3 MiB (got 2 MiB)."
/// </summary>
internal static class DiskSizeRule
{
    /// <summary>Whether <paramref name="size"/> is a size VhdKit gives a VHD.</summary>
    public static bool Allows(long size) => Problem(size) is null;

    /// <summary>Returns <paramref name="size"/> when allowed.</summary>
    /// <param name="size">The size in bytes.</param>
    /// <param name="subject">What has the size, as the message starts: "The size", "The new size", ...</param>
    /// <exception cref="ArgumentOutOfRangeException">The size is not allowed.</exception>
    public static long Check(long size, string subject = "The size")
    {
        if (!Allows(size))
        {
            throw new ArgumentOutOfRangeException(null, Message(size, subject));
        }

        return size;
    }

    /// <summary>"{subject} must be at least 3 MiB (got 2 MiB)." (or at most 2040 GiB, or a multiple of 512 bytes).</summary>
    public static string Message(long size, string subject = "The size") => $"{subject} must be {Problem(size) ?? "as it is"}.";

    /// <summary>The size in the largest binary unit that divides it exactly: <c>2 MiB</c>, <c>2040 GiB</c>, <c>4194305 bytes</c>.</summary>
    public static string Readable(long bytes)
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

    /// <summary>What the size must be that it is not, or <see langword="null"/> when it is allowed.</summary>
    private static string? Problem(long size) =>
        size < VhdConstants.MinimumDiskSize ? $"at least {Readable(VhdConstants.MinimumDiskSize)} (got {Readable(size)})"
        : size > VhdConstants.MaximumDiskSize ? $"at most {Readable(VhdConstants.MaximumDiskSize)} (got {Readable(size)})"
        : size % VhdConstants.SectorSize != 0 ? $"a multiple of {VhdConstants.SectorSize} bytes (got {Readable(size)})"
        : null;
}
