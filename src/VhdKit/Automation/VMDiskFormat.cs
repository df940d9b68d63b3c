namespace VhdKit.Automation;

/// <summary>
/// How a new fixed or dynamic disk arrives, in the spirit of Virtual Server's <c>vmDiskFormat_*</c> values: blank,
/// or with an MBR partition (from 1 MiB) holding an empty FAT16 or FAT32 volume. The numeric values are VhdKit's (the
/// documents name the constants, not their values).
/// </summary>
public enum VMDiskFormat
{
    /// <summary>No partition table and no file system (the default).</summary>
    Unformatted = 0,

    /// <summary>FAT16 (partition type 0x06): the disk must be less than 2000 MB, and at least 6 MB (see docs/filesystems.md).</summary>
    FAT16 = 1,

    /// <summary>FAT32 (partition type 0x0C, LBA): the disk must be at least 514 MB.</summary>
    FAT32 = 2,
}
