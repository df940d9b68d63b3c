using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Automation;

/// <summary>The sizes the environment checks compare: what a new image needs now and how large it can grow.</summary>
internal static class NewImageLimits
{
    /// <summary>The free space a new image needs on its volume: 8 MB (REFERENCE §1).</summary>
    public const long MinimumFreeSpace = 8L * 1024 * 1024;

    /// <summary>The smallest size in MB (3) and the largest (2,088,960 = 2040 GiB) of a new disk.</summary>
    public const int MinimumSizeMB = (int)(VhdConstants.MinimumDiskSize / Megabyte);

    /// <inheritdoc cref="MinimumSizeMB"/>
    public const int MaximumSizeMB = (int)(VhdConstants.MaximumDiskSize / Megabyte);

    /// <summary>A FAT16-formatted disk must be less than this many MB (REFERENCE §1: "less than 2000 MB").</summary>
    public const int Fat16LimitMB = 2000;

    /// <summary>
    /// The smallest FAT16-formatted disk VhdKit makes, in MB: the seed says 3, but with the partition at 1 MiB a 5 MB
    /// disk leaves 8192 sectors, and the FAT specification's table gives FAT16 a volume of more than 8400 sectors.
    /// </summary>
    public const int Fat16MinimumMB = 6;

    /// <summary>The smallest FAT32-formatted disk, in MB (REFERENCE §1: "at least 514 MB").</summary>
    public const int Fat32MinimumMB = 514;

    /// <summary>The API's MB: 1,048,576 bytes.</summary>
    public const long Megabyte = 1024 * 1024;

    /// <summary>
    /// An upper bound of the file a dynamic or differencing image becomes when every block is written: its
    /// metadata, two locator spaces, and each block with its bitmap and alignment padding, then the footer.
    /// </summary>
    public static long FullyGrownDynamicFile(long capacity, int blockSize)
    {
        var layout = new NewImageLayout(capacity, blockSize, []);
        int bitmap = SectorBitmap.SizeInBytes(blockSize / VhdConstants.SectorSize);
        return layout.FooterOffset + (2 * NewImageLayout.MinimumLocatorSpace)
            + (layout.MaxTableEntries * (bitmap + (long)blockSize + VhdConstants.DataAlignment)) + VhdFooter.Size;
    }

    /// <summary>The file a fixed image is: its data and the footer.</summary>
    public static long FixedFile(long capacity) => capacity + VhdFooter.Size;
}
