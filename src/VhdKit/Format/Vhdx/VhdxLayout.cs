namespace VhdKit.Format.Vhdx;

/// <summary>Where the structures of the 1 MiB header section lie, and the format's units.</summary>
public static class VhdxLayout
{
    /// <summary>1 MiB: the header section's size, and the alignment of every region, block and the log.</summary>
    public const int MiB = 1024 * 1024;

    /// <summary>64 KiB: the size of each structure slot in the header section.</summary>
    public const int KiB64 = 64 * 1024;

    /// <summary>Offset of the file type identifier.</summary>
    public const long FileIdentifierOffset = 0;

    /// <summary>Offset of the first header.</summary>
    public const long Header1Offset = KiB64;

    /// <summary>Offset of the second header.</summary>
    public const long Header2Offset = 2 * KiB64;

    /// <summary>Offset of the first region table.</summary>
    public const long RegionTable1Offset = 3 * KiB64;

    /// <summary>Offset of the second region table.</summary>
    public const long RegionTable2Offset = 4 * KiB64;

    /// <summary>The size of the header section: everything else lies at or after it.</summary>
    public const long HeaderSectionSize = MiB;

    /// <summary>The unit of the log: entries, descriptors' targets and data sectors are 4 KiB.</summary>
    public const int LogSectorSize = 4096;
}
