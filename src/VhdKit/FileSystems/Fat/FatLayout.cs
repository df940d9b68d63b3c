using System.Globalization;

namespace VhdKit.FileSystems.Fat;

/// <summary>
/// Where a FAT volume's regions lie and how large its clusters are, computed as Microsoft's FAT specification
/// (fatgen103) says: the cluster size from its tables (DskTableFAT16, DskTableFAT32) by the volume's size in
/// sectors, 1 reserved sector for FAT16 and 32 for FAT32, two FATs, 512 root entries for FAT16 (FAT32's root is a
/// cluster chain from cluster 2), and the FAT size from the specification's formula. The cluster count must then
/// fall in the type's range (FAT16: 4085..65524; FAT32: 65525 and more), which is what decides a FAT's type.
/// </summary>
internal sealed class FatLayout
{
    /// <summary>Bytes per sector: 512, the only size VHD has.</summary>
    public const int SectorSize = 512;

    /// <summary>The FAT16 root folder's entries (the value Windows and the specification use).</summary>
    public const int Fat16RootEntries = 512;

    /// <summary>The first cluster number; 0 and 1 are the FAT's reserved entries.</summary>
    public const uint FirstCluster = 2;

    /// <summary>The fewest clusters of a FAT16 volume (fewer is FAT12) and the most (more is FAT32).</summary>
    public const long MinFat16Clusters = 4085;

    /// <inheritdoc cref="MinFat16Clusters"/>
    public const long MaxFat16Clusters = 65524;

    /// <summary>The fewest clusters of a FAT32 volume, and the most the 28-bit entries allow.</summary>
    public const long MinFat32Clusters = 65525;

    /// <inheritdoc cref="MinFat32Clusters"/>
    public const long MaxFat32Clusters = 0x0FFFFFF5 - 2;

    private const int NumberOfFats = 2;

    // fatgen103 DskTableFAT16 / DskTableFAT32: (volume sectors up to, sectors per cluster); 0 = no FAT of this type.
    private static readonly (long Sectors, int SectorsPerCluster)[] Fat16Table =
        [(8400, 0), (32680, 2), (262144, 4), (524288, 8), (1048576, 16), (2097152, 32), (4194304, 64), (long.MaxValue, 0)];

    private static readonly (long Sectors, int SectorsPerCluster)[] Fat32Table =
        [(66600, 0), (532480, 1), (16777216, 8), (33554432, 16), (67108864, 32), (long.MaxValue, 64)];

    private FatLayout(FatType type, long volumeStart, long totalSectors, int sectorsPerCluster)
    {
        Type = type;
        VolumeStart = volumeStart;
        TotalSectors = totalSectors;
        SectorsPerCluster = sectorsPerCluster;
        ReservedSectors = type == FatType.Fat32 ? 32 : 1;
        RootEntries = type == FatType.Fat32 ? 0 : Fat16RootEntries;
        RootFolderSectors = ((RootEntries * 32) + SectorSize - 1) / SectorSize;

        // fatgen103's FAT size: TmpVal1 = size - (reserved + root); TmpVal2 = 256 * spc + fats (halved for FAT32).
        long tmp1 = totalSectors - (ReservedSectors + RootFolderSectors);
        long tmp2 = (256L * sectorsPerCluster) + NumberOfFats;
        if (type == FatType.Fat32)
        {
            tmp2 /= 2;
        }

        FatSectors = (tmp1 + tmp2 - 1) / tmp2;
        long dataSectors = totalSectors - (ReservedSectors + (NumberOfFats * FatSectors) + RootFolderSectors);
        ClusterCount = dataSectors / sectorsPerCluster;
    }

    public FatType Type { get; }

    /// <summary>The volume's first byte on the disk (the partition's start).</summary>
    public long VolumeStart { get; }

    /// <summary>The volume's size in sectors (the partition's).</summary>
    public long TotalSectors { get; }

    public int SectorsPerCluster { get; }

    public int ClusterSize => SectorsPerCluster * SectorSize;

    public int ReservedSectors { get; }

    public int RootEntries { get; }

    /// <summary>FAT16's fixed root folder in sectors (0 for FAT32).</summary>
    public int RootFolderSectors { get; }

    /// <summary>One FAT's size in sectors.</summary>
    public long FatSectors { get; }

    public static int FatCount => NumberOfFats;

    /// <summary>The data clusters: numbered 2 .. ClusterCount + 1.</summary>
    public long ClusterCount { get; }

    /// <summary>The byte offset on the disk of FAT number <paramref name="index"/> (0 or 1).</summary>
    public long FatOffset(int index) => VolumeStart + ((ReservedSectors + (index * FatSectors)) * SectorSize);

    /// <summary>The byte offset on the disk of FAT16's root folder.</summary>
    public long RootFolderOffset => VolumeStart + ((ReservedSectors + (NumberOfFats * FatSectors)) * SectorSize);

    /// <summary>The byte offset on the disk of <paramref name="cluster"/>.</summary>
    public long ClusterOffset(uint cluster) => RootFolderOffset + (RootFolderSectors * (long)SectorSize) + ((cluster - FirstCluster) * (long)ClusterSize);

    /// <summary>Bytes of one FAT entry: 2 (FAT16) or 4 (FAT32).</summary>
    public int EntrySize => Type == FatType.Fat32 ? 4 : 2;

    /// <summary>The layout of a <paramref name="type"/> volume of <paramref name="totalSectors"/> sectors starting at byte <paramref name="volumeStart"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The specification's table has no cluster size of that type for that size, or the cluster count falls outside the type's range.</exception>
    public static FatLayout For(FatType type, long volumeStart, long totalSectors)
    {
        (long Sectors, int SectorsPerCluster)[] table = type == FatType.Fat32 ? Fat32Table : Fat16Table;
        int sectorsPerCluster = 0;
        foreach ((long sectors, int perCluster) in table)
        {
            if (totalSectors <= sectors)
            {
                sectorsPerCluster = perCluster;
                break;
            }
        }

        if (sectorsPerCluster == 0)
        {
            throw new ArgumentOutOfRangeException(null, string.Create(CultureInfo.InvariantCulture,
                $"{Name(type)} takes a volume of {Range(type)} (the FAT specification's cluster-size table); the volume would be {totalSectors} sectors ({totalSectors * SectorSize} bytes)."));
        }

        var layout = new FatLayout(type, volumeStart, totalSectors, sectorsPerCluster);
        (long min, long max) = type == FatType.Fat32 ? (MinFat32Clusters, MaxFat32Clusters) : (MinFat16Clusters, MaxFat16Clusters);
        if (layout.ClusterCount < min || layout.ClusterCount > max)
        {
            throw new ArgumentOutOfRangeException(null, string.Create(CultureInfo.InvariantCulture,
                $"{Name(type)} needs {min} to {max} clusters; a volume of {totalSectors} sectors with {layout.ClusterSize}-byte clusters has {layout.ClusterCount}."));
        }

        return layout;
    }

    /// <summary>FAT16 or FAT32, as users write it.</summary>
    public static string Name(FatType type) => type == FatType.Fat32 ? "FAT32" : "FAT16";

    private static string Range(FatType type) => type == FatType.Fat32
        ? "more than 66600 sectors (32.5 MiB)"
        : "more than 8400 sectors (4.1 MiB) and at most 4194304 sectors (2 GiB)";
}
