namespace VhdKit.FileSystems.Fat;

/// <summary>The FAT variants VhdKit formats (Microsoft's FAT specification, fatgen103).</summary>
public enum FatType
{
    /// <summary>FAT16: 16-bit FAT entries, a fixed root folder of 512 entries; volumes up to 2 GiB (32 KiB clusters).</summary>
    Fat16 = 16,

    /// <summary>FAT32: 32-bit FAT entries (28 used), the root folder in clusters, FSInfo and a backup boot sector.</summary>
    Fat32 = 32,
}
