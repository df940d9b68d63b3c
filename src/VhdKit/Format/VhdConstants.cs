namespace VhdKit.Format;

/// <summary>Sizes and limits of the VHD format.</summary>
public static class VhdConstants
{
    /// <summary>A sector: 512 bytes.</summary>
    public const int SectorSize = 512;

    /// <summary>The smallest disk VhdKit creates: 3 MiB (the Virtual Server limit).</summary>
    public const long MinimumDiskSize = 3L * 1024 * 1024;

    /// <summary>The largest disk: 2040 GiB (0xFF000000 sectors), since BAT entries are 32-bit sector offsets.</summary>
    public const long MaximumDiskSize = 2040L * 1024 * 1024 * 1024;

    /// <summary>The default block size of dynamic and differencing disks: 2 MiB.</summary>
    public const int DefaultBlockSize = 2 * 1024 * 1024;

    /// <summary>The smallest block size VhdKit creates: 512 KiB (seen in Virtual PC images).</summary>
    public const int MinimumCreatedBlockSize = 512 * 1024;

    /// <summary>The largest block size VhdKit accepts when opening a file: 256 MiB.</summary>
    public const int MaximumBlockSize = 256 * 1024 * 1024;

    /// <summary>The format version written in footers and dynamic headers: 1.0.</summary>
    public const uint FormatVersion = 0x00010000;

    /// <summary>New block data (after the bitmap) starts on this boundary.</summary>
    public const int DataAlignment = 4096;

    /// <summary>The "no offset" value of the footer's data offset for fixed disks (all 64 bits set).</summary>
    public const ulong NoDataOffset = ulong.MaxValue;
}
