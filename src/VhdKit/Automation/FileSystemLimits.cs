namespace VhdKit.Automation;

/// <summary>The largest file of the file systems whose limit matters for a virtual disk: the FAT family.</summary>
internal static class FileSystemLimits
{
    /// <summary>FAT32: 4 GiB less one byte.</summary>
    public const long Fat32MaxFileSize = (4L * 1024 * 1024 * 1024) - 1;

    /// <summary>FAT16: 2 GiB less one byte (the Virtual Server documents give 2 GB).</summary>
    public const long Fat16MaxFileSize = (2L * 1024 * 1024 * 1024) - 1;

    /// <summary>
    /// The limit for a file system name as Linux (<c>/proc/self/mountinfo</c>) or Windows (<c>DriveInfo.DriveFormat</c>)
    /// reports it. Linux's <c>vfat</c> driver does not say whether the volume is FAT16 or FAT32: it is taken as FAT32
    /// (the larger limit, so no valid creation is refused); its <c>msdos</c> driver and Windows' <c>FAT</c> are FAT16.
    /// Everything else (ext4, xfs, btrfs, tmpfs, NTFS, exFAT...) holds files far beyond the largest VHD.
    /// </summary>
    public static long? MaxFileSize(string fileSystem) => fileSystem.ToUpperInvariant() switch
    {
        "VFAT" or "FAT32" => Fat32MaxFileSize,
        "MSDOS" or "FAT" or "FAT16" or "FAT12" => Fat16MaxFileSize,
        _ => null,
    };

    /// <summary>Whether the file system is one of optical media.</summary>
    public static bool IsOptical(string fileSystem) => fileSystem.ToUpperInvariant() is "ISO9660" or "UDF" or "CDFS";
}
