using System.Globalization;
using VhdKit.Format;

namespace VhdKit.Azure;

/// <summary>
/// What Azure requires of a VHD in a page blob: a fixed VHD whose virtual size is a whole number of MiB, the 512-byte
/// footer last (so the blob is N MiB + 512 bytes), within a page blob's 8 TiB; and the page write's 4 MiB limit.
/// </summary>
internal static class PageBlobRules
{
    /// <summary>The unit a VHD's virtual size must be a multiple of.</summary>
    public const long SizeUnit = 1024 * 1024;

    /// <summary>The largest page blob (8 TiB), footer included.</summary>
    public const long MaximumBlobSize = 8L << 40;

    /// <summary>The most one Put Page request writes.</summary>
    public const int MaximumPageWrite = 4 * 1024 * 1024;

    /// <summary>A page blob's page: writes start and end on it.</summary>
    public const int PageSize = VhdConstants.SectorSize;

    /// <summary>
    /// The blob's virtual size for a source of <paramref name="capacity"/> bytes: the capacity itself, or rounded up
    /// to a MiB when <paramref name="resizeToMiB"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The size is not a whole number of MiB (and no rounding was asked for), is zero, or is too large for a page blob.</exception>
    public static long VirtualSizeFor(long capacity, bool resizeToMiB, string source)
    {
        if (capacity <= 0)
        {
            throw new ArgumentException($"{source} is empty (0 bytes); there is nothing to upload.");
        }

        long rounded = (capacity + SizeUnit - 1) / SizeUnit * SizeUnit;
        if (rounded != capacity && !resizeToMiB)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{source} has a virtual size of {capacity} bytes; Azure requires a whole number of MiB (expected a multiple of {SizeUnit}, the next is {rounded}). Pass --resize-to-mib to round it up; nothing was sent."));
        }

        if (rounded + VhdFooter.Size > MaximumBlobSize)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{source} has a virtual size of {rounded} bytes; a page blob holds at most {MaximumBlobSize - SizeUnit} bytes of disk plus the footer. Nothing was sent."));
        }

        return rounded;
    }

    /// <summary>The fixed VHD footer of a <paramref name="virtualSize"/>-byte disk with <paramref name="uniqueId"/>, as Azure reads it.</summary>
    public static VhdFooter FixedFooter(long virtualSize, Guid uniqueId) => new()
    {
        Features = FooterFeatures.Reserved,
        FormatVersion = VhdConstants.FormatVersion,
        DataOffset = VhdConstants.NoDataOffset,
        Timestamp = VhdTimestamp.Now(),
        CreatorApplication = VhdFooter.VhdKitCreator,
        CreatorVersion = VhdFooter.VhdKitCreatorVersion,
        CreatorHostOs = VhdFooter.WindowsHostOs,
        OriginalSize = (ulong)virtualSize,
        CurrentSize = (ulong)virtualSize,
        Geometry = DiskGeometry.FromCapacity(virtualSize),
        DiskType = VhdDiskType.Fixed,
        UniqueId = uniqueId,
    };
}
